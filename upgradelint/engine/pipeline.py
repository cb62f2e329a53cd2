"""The one engine behind every front end.

check() = discover files -> read bytes -> per-family text prefilter -> facts
(from the content-hash cache, else LibCST in parallel workers) -> in diff mode
the base versions of changed files through one ``git cat-file --batch`` ->
rules over the facts -> suppressions, selection and diff scope -> findings."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from upgradelint.engine import config as config_mod
from upgradelint.engine import gitbase as git
from upgradelint.engine import project
from upgradelint.engine.cache import FactCache, key
from upgradelint.core.model import FileFacts
from upgradelint.core.registry import families
from upgradelint.core.suppress import finding_suppressed
from upgradelint.engine.facts import extract
from upgradelint.core import baseline as baseline_mod
from upgradelint.core.model import FileError, Finding, Result
from upgradelint.core.source import SourceError, decode

PARALLEL_MIN_FILES = 6
PARALLEL_MIN_BYTES = 150_000  # two big files (a manager next to its rpcapi) are worth a worker each


@dataclass
class Options:
    paths: list[str] | None = None
    cwd: str | None = None
    root: str | None = None
    config_file: str | None = None
    base: str | None = None
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    jobs: int | None = None
    use_cache: bool = True
    disable_noqa: bool = False
    sources: dict | None = None  # relpath -> text, overriding the disk (flake8 stdin)
    baseline: bool = True  # hide the findings recorded in the project's baseline file, when there is one
    conventions: bool = False  # also report the project conventions each family detected (--show-conventions)
    memo: bool = False  # reuse config and git diff across calls in this process (flake8)
    full_tree: bool = False  # judge the whole tree, whatever base the config or environment names


def choose_base(cli_value: str | None, cfg) -> str | None:
    """--base, else PRE_COMMIT_FROM_REF (pre-commit --from-ref), else
    UPGRADELINT_BASE, else the config's ``base``; none means full-tree mode."""
    for value in (cli_value, os.environ.get("PRE_COMMIT_FROM_REF"), os.environ.get("UPGRADELINT_BASE"), cfg.base):
        if value:
            return value
    return None


_MEMO: dict = {}
_PROCESS_FACTS: dict = {}  # content key -> facts, for memo (flake8) runs


def load_config(opts: Options):
    root = opts.root or project.find_root(opts.paths[0] if opts.paths else (opts.cwd or os.getcwd()))
    if opts.memo:
        key_ = ("config", root, opts.config_file)
        if key_ not in _MEMO:
            _MEMO[key_] = config_mod.load(root, opts.config_file)
        import copy

        cfg = copy.copy(_MEMO[key_])
    else:
        cfg = config_mod.load(root, opts.config_file)
    if opts.select:
        cfg.select = tuple(opts.select)
    if opts.ignore:
        cfg.ignore = tuple(cfg.ignore) + tuple(opts.ignore)
    return root, cfg


def _extract_job(item):
    relpath, text, fams, quick = item
    return relpath, extract(relpath, text, fams, quick)


def wanted(relpath: str, text: str) -> bool:
    """Does any family want to parse this file? (the cheap text prefilter)"""
    return bool(wanted_families(relpath, text))


def wanted_families(relpath: str, text: str) -> tuple:
    """The families that want the file: the one prefilter pass, whose answer
    travels with the text to extraction."""
    return tuple(fam.__name__ for fam in families() if fam.prefilter(relpath, text))



class FactStore:
    """Facts for many files at once: cache first, then parallel extraction."""

    def __init__(self, use_cache: bool, jobs: int | None, memo: bool = False):
        self.cache = FactCache(use_cache)
        self.jobs = jobs or os.cpu_count() or 1
        # flake8 asks file by file in one process: keep facts unpickled between calls
        self.memo = _PROCESS_FACTS if memo else None

    def facts_for(self, texts: dict[str, tuple[str, bytes]], quick: bool = False) -> dict[str, FileFacts]:
        """texts: relpath -> (text, raw bytes[, wanting families]), already
        prefiltered. ``quick``: files read only to judge the targets (see
        ``facts.extract``); their facts are the same, so they share the cache."""
        return self.facts_for_many([(texts, quick)])[0]

    def facts_for_many(self, batches: list[tuple[dict, bool]]) -> list[dict[str, FileFacts]]:
        """``facts_for`` of several batches (the targets and their base
        versions) through one cache query and one round of workers."""
        keyed = [{p: key(p, t[1]) for p, t in texts.items()} for texts, _ in batches]
        wanted = {k for keys in keyed for k in keys.values()}
        memo = self.memo if self.memo is not None else {}
        hits = {k: memo[k] for k in wanted if k in memo}
        hits.update(self.cache.get_many([k for k in wanted if k not in hits]))
        if self.memo is not None:
            self.memo.update(hits)
        outs: list[dict] = [{} for _ in batches]
        todo, places, first = [], [], {}
        for i, ((texts, quick), keys) in enumerate(zip(batches, keyed)):
            for p, k in keys.items():
                if k in hits:
                    outs[i][p] = hits[k]
                elif k in first:  # the same bytes at the same path twice: one extraction
                    places[first[k]].append((i, p))
                else:
                    first[k] = len(todo)
                    todo.append((p, texts[p][0], texts[p][2] if len(texts[p]) > 2 else None, quick))
                    places.append([(i, p)])
        if todo:
            keys = [keyed[w[0][0]][w[0][1]] for w in places]
            if self.memo is not None and self.cache.db is not None:
                done = self._run_shared(todo, keys)  # published one by one
            else:
                done = self._run(todo)
                self.cache.put_many(dict(zip(keys, done)))
            for facts, where in zip(done, places):
                for i, p in where:
                    outs[i][p] = facts
            if self.memo is not None:
                self.memo.update(zip(keys, done))
        return outs

    def _run_shared(self, todo, keys) -> list[FileFacts]:
        """``_run`` for a process that fills the cache alongside others
        (flake8's workers, which all meet the same context files): extract
        what this process could claim, each result published at once, and
        read what the others claimed from the cache when they publish it."""
        import time

        out: list = [None] * len(todo)
        theirs = []
        for i, item in enumerate(todo):
            if not self.cache.claim(keys[i]):
                theirs.append(i)
                continue
            try:  # another may have published it since this process last looked
                out[i] = self.cache.get_many([keys[i]]).get(keys[i])
                if out[i] is None:
                    out[i] = _extract_job(item)[1]
                    self.cache.put_many({keys[i]: out[i]})
            finally:
                self.cache.release([keys[i]])
        polls = 0
        while theirs:
            got = self.cache.get_many([keys[i] for i in theirs])
            for i in theirs:
                if keys[i] in got:
                    out[i] = got[keys[i]]
                elif polls % 100 == 99 and self.cache.claim(keys[i]):  # its holder is gone: ours now
                    try:
                        out[i] = self.cache.get_many([keys[i]]).get(keys[i])
                        if out[i] is None:
                            out[i] = _extract_job(todo[i])[1]
                            self.cache.put_many({keys[i]: out[i]})
                    finally:
                        self.cache.release([keys[i]])
            theirs = [i for i in theirs if out[i] is None]
            if theirs:
                polls += 1
                time.sleep(0.005)
        return out

    def _run(self, todo) -> list[FileFacts]:
        """Facts of each job, in the order given."""
        if self.jobs <= 1 or len(todo) < 2 or (
                len(todo) < PARALLEL_MIN_FILES and sum(len(item[1]) for item in todo) < PARALLEL_MIN_BYTES):
            return [_extract_job(item)[1] for item in todo]
        if "libcst" not in sys.modules and any(not item[3] for item in todo):
            import libcst  # noqa: F401 - imported once before the workers fork, not once in each
        order = sorted(range(len(todo)), key=lambda i: -len(todo[i][1]))  # largest first balances the workers
        out: list = [None] * len(todo)
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        try:
            mp = multiprocessing.get_context("fork")
        except ValueError:  # no fork (Windows)
            mp = multiprocessing.get_context()
        # shut down before returning: a pool's threads alive at another fork (a second store in the same
        # process, e.g. the report's) could leave that fork's workers holding their locks
        with ProcessPoolExecutor(max_workers=min(self.jobs, len(todo)), mp_context=mp) as pool:
            for i, (_, facts) in zip(order, pool.map(_extract_job, [todo[i] for i in order], chunksize=1)):
                out[i] = facts
        return out

    def close(self):
        self.cache.close()


def _read(root: str, rel: str, sources: dict | None) -> tuple[str, bytes]:
    if sources and rel in sources:
        text = sources[rel]
        return text, text.encode("utf-8", "surrogatepass")
    with open(os.path.join(root, rel), "rb") as fh:
        raw = fh.read()
    return decode(raw), raw


def check(opts: Options) -> Result:
    from upgradelint.core.registry import registry
    from upgradelint.core.rule import Context

    root, cfg = load_config(opts)
    paths = project.discover(root, opts.paths, cfg) if opts.paths or not opts.sources else list(opts.sources)
    whole = not opts.sources and (not opts.paths or any(
        os.path.isdir(p) and os.path.abspath(p) == root for p in opts.paths))
    base_ref = None if opts.full_tree else choose_base(opts.base, cfg)
    result = Result(root=root)
    bl = _load_baseline(root, cfg, opts.memo) if opts.baseline else None

    diff = top = None
    if base_ref:
        top, diff = _diff(root, base_ref, opts.memo)
        result.prefix, result.diff = project.git_prefix(root, top), diff
        paths = [p for p in paths if p in diff.changes]
    texts = _read_targets(root, paths, opts.sources, result)
    if not texts:
        return result  # no file any family wants: nothing to parse, no rule to run

    from upgradelint.engine import cache as cache_mod

    cache_mod.configure(opts.use_cache and cfg.cache)
    store = FactStore(opts.use_cache and cfg.cache, opts.jobs or cfg.jobs, memo=opts.memo)
    try:
        # the targets and their base versions in one round of workers; then the context files
        reader = BaseReader(top, root, diff) if diff is not None else None
        head, base = store.facts_for_many([(texts, False), (_base_texts(reader, sorted(texts)) if reader else {}, True)])
        targets = set(head)
        _add_context(root, head, paths if whole and diff is None else None, store, cfg, opts)
        if reader is not None:
            base.update(_base_facts(reader, sorted(p for p in head if p not in targets and p in diff.changes), store))
            base = {p: f for p, f in base.items() if not f.error}
        else:
            base = None
    finally:
        store.close()

    for rel, facts in sorted(head.items()):
        if facts.error:
            result.errors.append(FileError(rel, facts.error))
            result.checked -= 1
    head = {p: f for p, f in head.items() if not f.error and not f.empty}

    from upgradelint.engine.reader import EngineReader, source_paths_from_env
    from upgradelint.engine.releases import GitReleases

    ctx = Context(head=head, base=base, diff=diff, config=cfg,
                  reader=EngineReader(root, opts.sources, base=reader, source_paths=source_paths_from_env()),
                  releases=GitReleases(root) if diff is None else None)
    ctx.targets = targets
    ctx.root = root
    rules = [cls() for code, cls in registry().items() if cfg.enabled(code)]
    for rule in rules:
        if rule.scope == "diff" and diff is None:
            continue
        before = len(ctx.findings)
        rule.check(ctx)
        for f in ctx.findings[before:]:
            if not _keep(f, rule, ctx, cfg, opts):
                continue
            result.findings.append(f)
    result.findings.sort(key=lambda f: f.sort_key())
    result.errors.sort(key=lambda e: e.path)
    if opts.conventions:
        result.conventions = _conventions(ctx)
    result.notes = list(ctx.notes)
    if bl is not None:
        _apply_baseline(result, bl, stale=whole and diff is None)
    return result


def _conventions(ctx) -> list:
    """(family, name, value, why) from each family's ``conventions(ctx)`` hook."""
    out = []
    for fam in families():
        hook = getattr(fam, "conventions", None)
        if hook is not None:
            out.extend((fam.__name__.rsplit(".", 1)[-1], *row) for row in hook(ctx))
    return out


def baseline_path(root: str, cfg) -> str:
    return os.path.join(root, cfg.baseline or baseline_mod.FILENAME)


def _load_baseline(root: str, cfg, memo: bool):
    """The project's baseline, or None; a broken one stops the run (UsageError)."""
    path = baseline_path(root, cfg)
    if memo and ("baseline", path) in _MEMO:
        return _MEMO[("baseline", path)]
    bl = baseline_mod.load(path)
    if memo:
        _MEMO[("baseline", path)] = bl
    return bl


def _apply_baseline(result: Result, bl, stale: bool) -> None:
    """Only what is new: findings recorded in the baseline are dropped; in a
    full-tree run, entries nothing matches any more are one info note each."""
    path = bl.path
    result.findings, result.baselined, gone = baseline_mod.apply(result.findings, bl)
    if stale:
        rel = project.relpath(path, result.root)
        result.findings.extend(Finding(
            code=e.code, path=e.path, line=1, column=0, end_line=1, end_column=0, severity="info", symbol=e.symbol,
            message=f"{e.symbol}: fixed since the baseline; drop it from {rel} (upgradelint baseline --update)")
            for e in gone)
        result.findings.sort(key=lambda f: f.sort_key())


def tree_facts(root: str, family: str | None = None, use_cache: bool = True, jobs: int | None = None):
    """(root, facts) of every file of the project tree a family wants (only
    ``family``'s files when given), read and extracted as ``check`` does, cache
    first; no rule runs. Files that cannot be read or parsed are left out."""
    opts = Options(root=root, paths=[root], use_cache=use_cache, jobs=jobs)
    root, cfg = load_config(opts)
    texts = _read_targets(root, project.discover(root, None, cfg), None, Result(root=root))
    if family:
        texts = {p: t for p, t in texts.items() if f"upgradelint.families.{family}" in t[2]}
    from upgradelint.engine import cache as cache_mod

    cache_mod.configure(use_cache and cfg.cache)
    store = FactStore(use_cache and cfg.cache, jobs or cfg.jobs)
    try:
        facts = store.facts_for(texts)
    finally:
        store.close()
    return root, {p: f for p, f in facts.items() if not f.error}


def _diff(root: str, base_ref: str, memo: bool):
    """(git top level, the diff against ``base_ref`` with project-relative paths)."""
    if memo and ("diff", root, base_ref) in _MEMO:
        top, diff = _MEMO[("diff", root, base_ref)]
        diff = copy_diff(diff)
    else:
        top = git.toplevel(root)
        diff = git.diff(top, base_ref)
        if memo:
            _MEMO[("diff", root, base_ref)] = (top, copy_diff(diff))
    # git speaks paths relative to its top level; the engine, relative to the project root
    prefix = project.git_prefix(root, top)
    diff.changes = {p[len(prefix):]: _rebase_change(c, prefix)
                    for p, c in diff.changes.items() if p.startswith(prefix)}
    return top, diff


def _read_targets(root: str, paths, sources, result: Result) -> dict:
    """rel -> (text, raw bytes, wanting families) for the files some family wants;
    an unreadable file is one error, and the others are still read."""
    texts = {}
    for rel in paths:
        try:
            text, raw = _read(root, rel, sources)
        except SourceError as exc:
            result.errors.append(FileError(rel, str(exc)))
            continue
        except OSError as exc:
            result.errors.append(FileError(rel, f"cannot read: {exc.strerror or exc}"))
            continue
        result.checked += 1
        fams = wanted_families(rel, text)
        if fams:
            texts[rel] = (text, raw, fams)
    return texts


def copy_diff(d):
    import copy

    return copy.deepcopy(d)


def _rebase_change(change, prefix):
    change.path = change.path[len(prefix):] if change.path.startswith(prefix) else change.path
    if change.old_path and change.old_path.startswith(prefix):
        change.old_path = change.old_path[len(prefix):]
    return change


def _keep(f, rule, ctx, cfg, opts) -> bool:
    if f.severity == "off" or not cfg.enabled(f.code, f.path):
        return False
    if f.path not in ctx.targets:
        return False  # a context file: read to judge the targets, not reported on
    if ctx.diff is not None:
        if f.path not in ctx.diff.changes:
            return False
        if rule.scope == "state" and not ctx.diff.touched(f.path, f.line, f.end_line):
            return False
    if not opts.disable_noqa:
        facts = ctx.head.get(f.path)
        if facts and finding_suppressed(facts, f):
            return False
    return True


def _add_context(root, head, listing, store, cfg, opts):
    """When a run reads only some files (paths given, diff mode, flake8), the
    families name the other files those need to be judged
    (``context(root, head, lister)``), e.g. a manager for its RPC client."""

    def lister() -> list[str]:
        nonlocal listing
        if listing is None:
            key_ = ("listing", root)
            if opts.memo and key_ in _MEMO:
                listing = _MEMO[key_]
            else:
                listing = project.discover(root, None, cfg)
                if opts.memo:
                    _MEMO[key_] = listing
        return listing

    wanted: set[str] = set()
    for fam in families():
        hook = getattr(fam, "context", None)
        if hook is not None:
            wanted.update(p for p in hook(root, head, lister) if p not in head)
    extra: dict[str, tuple[str, bytes]] = {}
    for rel in sorted(wanted):
        item = _context_text(root, rel, opts)
        if item is not None:
            extra[rel] = item
    for rel, facts in store.facts_for(extra, quick=True).items():
        if not facts.error:
            head[rel] = facts


def _context_text(root: str, rel: str, opts) -> tuple | None:
    """(text, raw bytes, wanting families) of a context file, None when it is
    unreadable or no family wants it; read once per process in memo runs
    (flake8 asks again for every file of a package)."""
    key_ = ("context", root, rel)
    if opts.memo and key_ in _MEMO and not (opts.sources and rel in opts.sources):
        return _MEMO[key_]
    try:
        text, raw = _read(root, rel, opts.sources)
    except (SourceError, OSError):
        item = None
    else:
        fams = wanted_families(rel, text)
        item = (text, raw, fams) if fams else None
    if opts.memo and not (opts.sources and rel in opts.sources):
        _MEMO[key_] = item
    return item


class BaseReader:
    """Base-commit bytes of changed files (project-relative paths), read through
    ``git cat-file --batch`` and kept: the first request for a file the engine
    did not read already fetches every other changed Python file in the same
    batch, so late readers (the fingerprint's lazily read modules) cost no
    git process each."""

    def __init__(self, top: str, root: str, diff):
        self.top, self.diff = top, diff
        self.prefix = project.git_prefix(root, top)
        self.blobs: dict[str, bytes | None] = {}
        self._swept = False

    def read(self, rels) -> dict[str, bytes]:
        todo = [r for r in rels if r not in self.blobs]
        if todo and self.blobs and not self._swept:
            self._swept = True
            todo = sorted(set(todo) | {p for p, ch in self.diff.changes.items()
                                       if ch.status in ("M", "R") and p.endswith(".py") and p not in self.blobs})
        wanted = {}
        for r in todo:
            ch = self.diff.changes.get(r)
            if ch is None or ch.status == "A":
                self.blobs[r] = None
            else:
                wanted[r] = self.prefix + (ch.old_path or r)
        got = git.read_blobs(self.top, self.diff.commit, sorted(set(wanted.values()))) if wanted else {}
        for r, gp in wanted.items():
            self.blobs[r] = got.get(gp)
        return {r: self.blobs[r] for r in rels if self.blobs.get(r) is not None}


def _base_texts(reader: BaseReader, rels: list[str]) -> dict:
    """rel -> (text, raw bytes) of the base versions of the changed ones among ``rels``."""
    texts = {}
    for p, raw in (reader.read(rels) if rels else {}).items():
        try:
            texts[p] = (decode(raw), raw)
        except SourceError:
            continue
    return texts


def _base_facts(reader: BaseReader, rels: list[str], store) -> dict:
    return {p: f for p, f in store.facts_for(_base_texts(reader, rels), quick=True).items() if not f.error}
