"""Configuration: ``[tool.upgradelint]`` in pyproject.toml, ``[upgradelint]`` in
setup.cfg or tox.ini (where OpenStack projects keep theirs), or ``--config FILE``."""

from __future__ import annotations

import configparser
import fnmatch
import functools
import os
import re
from dataclasses import dataclass, field

from upgradelint.core import calendar
from upgradelint.core.model import SEVERITIES, UsageError

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

CODE_PREFIX_RE = re.compile(r"^UPG[0-9]{0,3}$")
DEFAULT_EXCLUDE = (
    ".git", ".tox", ".venv", "venv", ".eggs", "*.egg-info", "build", "dist",
    "__pycache__", "node_modules", ".upgradelint_cache",
)


@dataclass
class Config:
    path: str | None = None  # where it was read from
    select: tuple[str, ...] = ("UPG",)
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    extend_exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    severity: dict[str, str] = field(default_factory=dict)
    base: str | None = None
    baseline: str | None = None  # the baseline file, relative to the root (default .upgradelint-baseline.json)
    jobs: int | None = None
    cache: bool = True
    # RPC family: False means the project sends without version caps (neutron, heat).
    rpc_version_caps: bool | None = None
    # objects family: False for projects whose house rule is that additive fields need no backport (cinder)
    objects_backport_new_fields: bool = True
    rpc_guard_in_client: bool = False
    # the oldest release still live in a rolling upgrade (UPG109/UPG110), when the project's tables do not say
    rpc_oldest_release: str | None = None
    # migrations family
    contract_paths: tuple[str, ...] = ()
    allowed_migrations: tuple[str, ...] = ()
    # where the project has no release tags: the newest released migration (revision, file name or
    # sqlalchemy-migrate number); it and its ancestors are history in full-tree runs
    migrations_released_through: tuple[str, ...] = ()

    def enabled(self, code: str, path: str | None = None) -> bool:
        if self.severity.get(code) == "off":
            return False
        if not any(code.startswith(p) for p in self.select):
            return False
        if any(code.startswith(p) for p in self.ignore):
            # a more specific select wins over a broader ignore, as in flake8
            sel = max((p for p in self.select if code.startswith(p)), key=len)
            ign = max((p for p in self.ignore if code.startswith(p)), key=len)
            if len(ign) >= len(sel):
                return False
        if path is not None:
            for pattern, codes in self.per_file_ignores:
                if _path_matches(path, pattern) and any(code.startswith(c) for c in codes):
                    return False
        return True

    def severity_of(self, code: str, default: str) -> str:
        return self.severity.get(code, default)

    def is_excluded(self, relpath: str) -> bool:
        patterns = (self.exclude or DEFAULT_EXCLUDE) + self.extend_exclude
        segment_re, path_re = _compiled(patterns)
        if segment_re is not None and any(segment_re.match(part) for part in relpath.split("/")):
            return True
        return path_re is not None and path_re.match(relpath) is not None


@functools.lru_cache(maxsize=64)
def _compiled(patterns: tuple[str, ...]):
    """One regex for bare names (any path segment), one for path globs (the
    path or a directory above it): the same semantics as _path_matches."""
    bare, paths = [], []
    for p in patterns:
        p = p.strip().rstrip("/")
        if p.startswith("./"):
            p = p[2:]
        if not p:
            continue
        (paths if "/" in p else bare).append(p)
        if "/" not in p:
            paths.append(p)
    seg = re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in bare)) if bare else None
    full = re.compile("|".join(f"(?:{fnmatch.translate(p)})|(?:{fnmatch.translate(p + '/*')})" for p in paths)) \
        if paths else None
    return seg, full


def _path_matches(relpath: str, pattern: str) -> bool:
    pattern = pattern.strip().rstrip("/")
    if pattern.startswith("./"):
        pattern = pattern[2:]
    if fnmatch.fnmatch(relpath, pattern) or fnmatch.fnmatch(relpath, pattern + "/*"):
        return True
    # a bare name matches any path segment (".tox", "build", "*.egg-info")
    if "/" not in pattern:
        return any(fnmatch.fnmatch(part, pattern) for part in relpath.split("/"))
    return False


# key -> kind; both kebab-case and snake_case spellings are accepted
_KEYS = {
    "select": "codes", "extend-select": "codes", "ignore": "codes", "extend-ignore": "codes",
    "exclude": "list", "extend-exclude": "list", "per-file-ignores": "pfi",
    "severity": "severity", "base": "str", "baseline": "str", "jobs": "int", "cache": "bool",
    "rpc-version-caps": "bool", "objects-backport-new-fields": "bool", "rpc-guard-in-client": "bool",
    "rpc-oldest-release": "release",
    "contract-paths": "list", "allowed-migrations": "list", "migrations-released-through": "list",
}


def _as_list(value, key: str, where: str) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in re.split(r"[,\n]", value) if v.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value]
    raise UsageError(f"{where}: '{key}' must be a list of strings")


def _convert(kind: str, key: str, value, where: str):
    if kind == "release":
        if not isinstance(value, str) or calendar.index(value) is None:
            raise UsageError(f"{where}: '{key}' must name an OpenStack release ('epoxy' or '2025.1'), "
                             f"not {value!r}")
        return value.strip()
    if kind == "codes":
        codes = _as_list(value, key, where)
        for c in codes:
            if not CODE_PREFIX_RE.match(c):
                raise UsageError(f"{where}: '{key}' has {c!r}, not an upgradelint code or prefix (UPG, UPG1, UPG101)")
        return tuple(codes)
    if kind == "list":
        return tuple(_as_list(value, key, where))
    if kind == "str":
        if not isinstance(value, str) or not value.strip():
            raise UsageError(f"{where}: '{key}' must be a non-empty string")
        return value.strip()
    if kind == "int":
        try:
            n = int(value)
        except (TypeError, ValueError):
            raise UsageError(f"{where}: '{key}' must be a whole number, got {value!r}") from None
        if n < 1:
            raise UsageError(f"{where}: '{key}' must be at least 1, got {n}")
        return n
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "yes", "on", "1", "false", "no", "off", "0"):
            return value.strip().lower() in ("true", "yes", "on", "1")
        raise UsageError(f"{where}: '{key}' must be true or false, got {value!r}")
    if kind == "severity":
        if isinstance(value, str):
            pairs = [p.split("=", 1) for p in _as_list(value, key, where)]
            if any(len(p) != 2 for p in pairs):
                raise UsageError(f"{where}: '{key}' entries must look like UPG101=warning")
            value = {k.strip(): v.strip() for k, v in pairs}
        if not isinstance(value, dict):
            raise UsageError(f"{where}: '{key}' must map codes to severities")
        out = {}
        for code, sev in value.items():
            if not re.match(r"^UPG[0-9]{3}$", str(code)):
                raise UsageError(f"{where}: '{key}' has {code!r}, not a rule code like UPG101")
            sev = str(sev).strip().lower()
            if sev not in SEVERITIES + ("off",):
                raise UsageError(f"{where}: '{key}.{code}' must be one of error, warning, info, off; got {sev!r}")
            out[code] = sev
        return out
    if kind == "pfi":
        if isinstance(value, str):
            entries = []
            for item in _as_list(value, key, where):
                if ":" not in item:
                    raise UsageError(f"{where}: '{key}' entries must look like 'path/glob:UPG101'")
                pat, codes = item.rsplit(":", 1)
                entries.append((pat.strip(), tuple(c.strip() for c in codes.split() if c.strip())))
        elif isinstance(value, dict):
            entries = [(k, tuple(_as_list(v, key, where))) for k, v in value.items()]
        else:
            raise UsageError(f"{where}: '{key}' must map path globs to codes")
        for _, codes in entries:
            for c in codes:
                if not CODE_PREFIX_RE.match(c):
                    raise UsageError(f"{where}: '{key}' has {c!r}, not an upgradelint code or prefix")
        return tuple(entries)
    raise AssertionError(kind)


def from_mapping(data: dict, where: str) -> Config:
    cfg = Config(path=where)
    extend_select: tuple[str, ...] = ()
    for raw_key, value in data.items():
        key = raw_key.replace("_", "-")
        kind = _KEYS.get(key)
        if kind is None:
            raise UsageError(f"{where}: unknown key '{raw_key}' (known: {', '.join(sorted(_KEYS))})")
        value = _convert(kind, raw_key, value, where)
        if key == "extend-select":
            extend_select = value
        elif key == "extend-ignore":
            cfg.ignore = cfg.ignore + value
        elif key == "severity":
            cfg.severity = value
        else:
            setattr(cfg, key.replace("-", "_"), value)
    cfg.select = tuple(cfg.select) + extend_select
    return cfg


def read_file(path: str) -> Config | None:
    """Read one config file; None when it has no upgradelint section."""
    where = os.path.basename(path)
    try:
        if path.endswith(".toml"):
            with open(path, "rb") as fh:
                try:
                    doc = tomllib.load(fh)
                except tomllib.TOMLDecodeError as exc:
                    raise UsageError(f"{path}: invalid TOML: {exc}") from None
            section = doc.get("tool", {}).get("upgradelint")
            if section is None:
                return None
            if not isinstance(section, dict):
                raise UsageError(f"{path}: [tool.upgradelint] must be a table")
            return from_mapping(section, f"{where} [tool.upgradelint]")
        parser = configparser.RawConfigParser()
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError) as exc:
            raise UsageError(f"{path}: cannot read config: {str(exc).splitlines()[0]}") from None
        if not parser.has_section("upgradelint"):
            return None
        return from_mapping(dict(parser.items("upgradelint")), f"{where} [upgradelint]")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read config: {exc.strerror}") from None


CONFIG_FILES = ("pyproject.toml", "setup.cfg", "tox.ini")


def load(root: str, explicit: str | None = None) -> Config:
    if explicit:
        if not os.path.isfile(explicit):
            raise UsageError(f"{explicit}: config file not found")
        cfg = read_file(explicit)
        if cfg is None:
            raise UsageError(f"{explicit}: has no [tool.upgradelint] or [upgradelint] section")
        return cfg
    for name in CONFIG_FILES:
        path = os.path.join(root, name)
        if os.path.isfile(path):
            cfg = read_file(path)
            if cfg is not None:
                return cfg
    return Config()
