"""Facts of committed git trees, for comparing two refs without a checkout.

One ``git ls-tree`` per ref lists the tree; files whose blob differs between
the two trees are the changes (no ``git diff``). Blob contents come from one
long-running ``git cat-file --batch`` process for the whole run, each blob
read once; a file both trees hold unchanged is read and judged once; a side
that has a clean checkout at hand may be read from it instead. Facts come
through the engine's ``FactStore`` (the same content-keyed cache ``check``
uses, so the two share entries). Each side gets the facts of its changed
files plus the context files the families name for them, as in diff mode."""

from __future__ import annotations

import os
import subprocess
import threading
from dataclasses import dataclass, field

from upgradelint.core.model import FileFacts, UsageError
from upgradelint.core.source import SourceError, decode
from upgradelint.engine import gitbase as git
from upgradelint.engine.pipeline import FactStore, wanted

CONFIG_FILES = ("pyproject.toml", "setup.cfg", "tox.ini")


@dataclass(frozen=True)
class RefRange:
    base: str  # the refs as given
    head: str
    base_commit: str
    head_commit: str
    relation: str  # same | ancestor | diverged | unrelated
    merge_base: str | None  # the common ancestor (None for unrelated histories)
    shallow: bool  # the repository is a shallow clone


def resolve_range(repo: str, base: str, head: str) -> RefRange:
    """Resolve ``base..head``. Raises UsageError (one line) for a ref that does
    not exist, a base missing from a shallow clone, and a reversed range (head
    is an ancestor of base). Diverged branches (two release branches) and
    unrelated histories are fine: their trees are compared."""
    a = _resolve(repo, base, "base")
    b = _resolve(repo, head, "head")
    shallow = git._git(repo, "rev-parse", "--is-shallow-repository", check=False).stdout.decode().strip() == "true"
    if a == b:
        return RefRange(base, head, a, b, "same", a, shallow)
    mb = git._git(repo, "merge-base", a, b, check=False)
    merge_base = (mb.stdout.decode().strip() or None) if mb.returncode == 0 else None
    if merge_base == a:
        relation = "ancestor"
    elif merge_base == b:
        raise UsageError(f"report {base}..{head}: {base} is not an ancestor of {head}; {head} is older "
                         f"(did you mean {head}..{base}?)")
    else:
        relation = "diverged" if merge_base else "unrelated"
    return RefRange(base, head, a, b, relation, merge_base, shallow)


def _resolve(repo: str, ref: str, which: str) -> str:
    proc = git._git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}", check=False)
    if proc.returncode == 0:
        return proc.stdout.decode().strip()
    shallow = git._git(repo, "rev-parse", "--is-shallow-repository", check=False).stdout.decode().strip()
    if shallow == "true":
        raise UsageError(f"report: {which} {ref!r} is not in this shallow clone; fetch it "
                         f"(git fetch --unshallow, or git fetch origin tag {ref})")
    raise UsageError(f"report: {which} {ref!r}: no such commit or ref in this repository")


class Blobs:
    """One ``git cat-file --batch`` process for the whole run. Git flushes
    after each object; a batch of requests is written by a thread while the
    main thread reads the answers, so neither pipe fills up. Contents are kept
    by object id: a blob both trees share is read once."""

    def __init__(self, repo: str):
        self.repo = repo
        self.proc: subprocess.Popen | None = None
        self.cache: dict[str, bytes | None] = {}

    def _start(self) -> subprocess.Popen:
        if self.proc is None:
            try:
                self.proc = subprocess.Popen(
                    ("git", "cat-file", "--batch"), cwd=self.repo, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL, env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"})
            except FileNotFoundError:
                raise UsageError("git is not installed, but the report needs it") from None
        return self.proc

    def read(self, oids) -> dict[str, bytes]:
        oids = list(dict.fromkeys(oids))
        todo = [o for o in oids if o not in self.cache]
        if len(todo) == 1:
            self.cache[todo[0]] = self._one(todo[0])
        elif todo:  # a writer thread feeds the requests while the answers are read
            proc = self._start()
            req = b"".join(o.encode() + b"\n" for o in todo)
            writer = threading.Thread(target=self._write, args=(proc, req), daemon=True)
            writer.start()
            for o in todo:
                self.cache[o] = self._answer(proc)
            writer.join()
        return {o: self.cache[o] for o in oids if self.cache.get(o) is not None}

    @staticmethod
    def _write(proc, data: bytes) -> None:
        proc.stdin.write(data)
        proc.stdin.flush()

    def _one(self, oid: str) -> bytes | None:
        proc = self._start()
        self._write(proc, oid.encode() + b"\n")
        return self._answer(proc)

    @staticmethod
    def _answer(proc) -> bytes | None:
        header = proc.stdout.readline().split()
        if len(header) != 3:  # "<oid> missing"
            return None
        data = proc.stdout.read(int(header[2]))
        proc.stdout.read(1)  # the newline after the contents
        return data

    def close(self) -> None:
        if self.proc is not None:
            self.proc.stdin.close()
            self.proc.stdout.close()
            self.proc.wait()
            self.proc = None


@dataclass
class Tree:
    """The Python files (and root config files) of one commit, by project-relative path."""

    commit: str
    files: dict[str, str] = field(default_factory=dict)  # relpath -> blob id (.py, config excludes applied)
    config: dict[str, str] = field(default_factory=dict)  # root config file -> blob id


def list_tree(repo: str, commit: str, prefix: str, cfg) -> Tree:
    """``git ls-tree -r`` of ``commit``, limited to the project root ``prefix``
    (relative to the repository's top level, ``''`` for the top)."""
    args = ["ls-tree", "-r", "-z", "--full-tree", commit]
    if prefix:
        args += ["--", prefix.rstrip("/")]
    out = git._git(repo, *args).stdout
    tree = Tree(commit)
    cut = len(prefix.rstrip("/")) + 1 if prefix else 0
    for entry in out.split(b"\0"):
        if not entry:
            continue
        meta, _, raw = entry.partition(b"\t")
        parts = meta.split()
        if len(parts) != 3 or parts[1] != b"blob":
            continue
        rel = raw.decode("utf-8", "surrogateescape")[cut:]
        oid = parts[2].decode()
        if rel in CONFIG_FILES:
            tree.config[rel] = oid
        elif rel.endswith(".py") and not cfg.is_excluded(rel):
            tree.files[rel] = oid
    return tree


def changed(a: Tree, b: Tree) -> set[str]:
    """Paths added, removed or modified between the two trees."""
    return {p for p in set(a.files) | set(b.files) if a.files.get(p) != b.files.get(p)}


class TreeFacts:
    """Facts of one tree's files, read on demand through the shared Blobs.

    ``disk``, when given, is a directory holding exactly this tree's files (a
    clean checkout of it): they are read from there instead of from git.
    ``twin`` is the other side: a file both trees hold unchanged gets the
    facts the twin already has (same path, same content, same facts).
    ``wait``, when given, is called before extracting anything the fact cache
    does not hold: another process (the report's ``check`` run) is extracting
    the same files meanwhile, and its entries are then in the cache."""

    def __init__(self, tree: Tree, blobs: Blobs, store: FactStore, wait=None, disk: str | None = None):
        self.tree, self.blobs, self.store, self.wait, self.disk = tree, blobs, store, wait, disk
        self.twin: TreeFacts | None = None
        self.facts: dict[str, FileFacts] = {}
        self.errors: dict[str, str] = {}
        self.seen: set[str] = set()  # read and prefiltered (wanted or not)

    def _raw(self, rels: list[str]) -> dict[str, bytes]:
        if self.disk is None:
            raws = self.blobs.read(self.tree.files[r] for r in rels)
            return {r: raws[self.tree.files[r]] for r in rels if self.tree.files[r] in raws}
        out = {}
        for r in rels:
            try:
                with open(os.path.join(self.disk, r), "rb") as fh:
                    out[r] = fh.read()
            except OSError:
                continue
        return out

    def raw(self, rel: str) -> bytes | None:
        """The file's bytes at this tree (None: absent)."""
        return self._raw([rel]).get(rel) if rel in self.tree.files else None

    def load(self, rels) -> dict[str, FileFacts]:
        """Facts of ``rels`` (those present in the tree and wanted by a family)."""
        rels = list(rels)
        todo = sorted(r for r in set(rels) if r in self.tree.files and r not in self.seen)
        twin = self.twin
        if twin is not None:
            same = [r for r in todo if r in twin.seen and twin.tree.files.get(r) == self.tree.files[r]]
            for r in same:
                if r in twin.facts:
                    self.facts[r] = twin.facts[r]
            self.seen.update(same)
            todo = [r for r in todo if r not in self.seen]
        raws = self._raw(todo)
        self.seen.update(todo)
        texts = {}
        for rel in todo:
            raw = raws.get(rel)
            if raw is None:
                continue
            try:
                text = decode(raw)
            except SourceError as exc:
                self.errors[rel] = str(exc)
                continue
            if wanted(rel, text):
                texts[rel] = (text, raw)
        for rel, f in self._facts(texts).items():
            if f.error:
                self.errors[rel] = f.error
            elif not f.empty:
                self.facts[rel] = f
        return {r: self.facts[r] for r in rels if r in self.facts}

    def _facts(self, texts: dict) -> dict:
        if self.wait is not None and texts:
            found = cached(self.store, texts)
            if len(found) == len(texts):
                return found
            self.wait()
        return self.store.facts_for(texts)

    def load_context(self, judged: dict) -> None:
        """Load the files the families need to judge ``judged`` (facts of
        changed files, of either side: each family's ``context`` hook, listing
        this tree)."""
        from upgradelint.core.registry import families

        listing = sorted(self.tree.files)
        extra: set[str] = set()
        for fam in families():
            hook = getattr(fam, "context", None)
            if hook is not None:
                extra.update(hook("", dict(judged), lambda: listing))
        self.load(extra)


class TreeReader:
    """The engine's ``core.reader.Reader`` over one tree, for family analyses
    run on it (the fingerprint's World): project files as that tree holds
    them, library modules and ``memo`` as in ``check``."""

    def __init__(self, tree_facts: TreeFacts, source_paths: tuple[str, ...] = ()):
        from upgradelint.engine.reader import EngineReader

        self.tree_facts = tree_facts
        self.engine = EngineReader(None, source_paths=tuple(source_paths))

    def head(self, rel: str) -> bytes | None:
        return self.tree_facts.raw(rel)

    def base(self, rels) -> dict[str, bytes]:
        return {}

    def library(self, module: str):
        return self.engine.library(module)

    def memo(self, namespace: str, data: bytes, compute):
        return self.engine.memo(namespace, data, compute)


@dataclass
class Sides:
    """The two trees of a range with the facts the comparison needs."""

    range: RefRange
    base: TreeFacts
    head: TreeFacts
    changed: set[str]


def cached(store: FactStore, texts: dict) -> dict[str, FileFacts]:
    """The facts the store already holds (its memo or the cache) for
    ``texts`` (relpath -> (text, raw)); nothing is extracted."""
    from upgradelint.engine.cache import key

    keys = {p: key(p, raw) for p, (_, raw) in texts.items()}
    memo = store.memo if store.memo is not None else {}
    hits = {k: memo[k] for k in set(keys.values()) if k in memo}
    hits.update(store.cache.get_many([k for k in set(keys.values()) if k not in hits]))
    return {p: hits[k] for p, k in keys.items() if k in hits}


def compare(repo: str, prefix: str, rng: RefRange, cfg, store: FactStore, blobs: Blobs, wait=None,
            head_disk: str | None = None) -> Sides:
    """List both trees, find the changed files, and load the facts of the
    changed files and their context on each side (``wait``, ``head_disk``:
    see TreeFacts)."""
    a = list_tree(repo, rng.base_commit, prefix, cfg)
    b = list_tree(repo, rng.head_commit, prefix, cfg)
    paths = changed(a, b)
    base, head = TreeFacts(a, blobs, store, wait), TreeFacts(b, blobs, store, wait, disk=head_disk)
    base.twin, head.twin = head, base
    judged = {**base.load(p for p in paths if p in a.files), **head.load(p for p in paths if p in b.files)}
    head.load_context(judged)
    base.load_context(judged)
    # what one side read, the other reads too where its tree has the file (unchanged files cost nothing)
    head.load(list(base.facts))
    base.load(list(head.facts))
    return Sides(rng, base, head, paths)


class Grep:
    """``git grep -l`` over a commit's Python files, started at once and
    collected later (it runs while the caller reads other things)."""

    def __init__(self, repo: str, commit: str, prefix: str, needles: tuple[str, ...]):
        args = ["git", "grep", "-l", "-z", "-F"]
        for n in needles:
            args += ["-e", n]
        args += [commit, "--", f"{prefix}*.py" if prefix else "*.py"]
        self.cut = len(commit) + 1 + len(prefix)
        try:
            self.proc = subprocess.Popen(args, cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                         env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"})
        except FileNotFoundError:
            raise UsageError("git is not installed, but the report needs it") from None

    def files(self) -> list[str]:
        """Project-relative paths of the files holding any needle."""
        out, _ = self.proc.communicate()
        if self.proc.returncode not in (0, 1):
            return []
        return sorted(p.decode("utf-8", "surrogateescape")[self.cut:] for p in out.split(b"\0") if p)
