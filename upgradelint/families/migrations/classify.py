"""What kind of change one migration operation is: the names it touches, the
verdict on a column type change, the kind of a dropped constraint. Pure
functions of ``MigrationOp`` facts (no context)."""

from __future__ import annotations

import re

CREATE_TABLE = ("create_table", "create_table_if_not_exists")
DROP_TABLE = ("drop_table", "drop_table_if_exists")
RENAME_TABLE = ("rename_table", "rename_table_if_exists")
ALTER_COLUMN = ("alter_column", "alter_column_if_exists")
ADD_COLUMN = ("add_column", "add_column_if_not_exists")
CONSTRAINT_DROPS = ("drop_constraint", "drop_index", "remove_foreign_keys", "remove_fks_from_table")


def op_column(op) -> tuple[str | None, str | None]:
    """(table, column) an op names; batch ops carry the column first."""
    if op.receiver == "batch":
        c = op.args[0] if op.args else None
    else:
        c = op.args[1] if len(op.args) > 1 else None
    if op.name == "add_column" and op.get("column"):
        c = op.get("column")
    return op.table, c if isinstance(c, str) else None


def op_signature(op) -> str:
    """What an operation does, apart from how it is written: its kind, table,
    arguments and details, without its position, the helper it sits in or
    which arguments were passed by keyword. ``'...{}'.format(t)`` and an
    f-string give the same SQL text; ``op.create_table`` and neutron's
    ``create_table_if_not_exists`` the same operation."""
    return repr((op.name, op.receiver, op.table, op.args, op.detail))


def _alike(a, b) -> bool:
    """Equal values, where an unknown part (None: a constant from another
    module, a value computed at run time) matches anything."""
    if a is None or b is None:
        return True
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_alike(x, y) for x, y in zip(a, b))
    return a == b


def same_operation(a, b) -> bool:
    """Do two operations do the same, as far as is known? ``String(40)`` and
    ``String(db_const.ETHERTYPE_FIELD_SIZE)`` (a library constant) may."""
    return (a.name, a.receiver, a.table) == (b.name, b.receiver, b.table) and _alike(a.args, b.args) and \
        _alike(a.detail, b.detail)


def adds_column(op) -> bool:
    """An ``add_column`` in any spelling (raw SQL ``ADD COLUMN`` included)."""
    return op.name == "add_column" or (op.name == "add_column_if_not_exists" and op.receiver != "sql")


def str_arg(op, pos: int, default=None):
    """The op's evaluated positional argument ``pos`` when it is a string, else ``default``."""
    return op.args[pos] if len(op.args) > pos and isinstance(op.args[pos], str) else default


# -- column types ------------------------------------------------------------------

_STRING_TYPES = {"string", "varchar", "unicode", "char", "nvarchar", "nchar", "text", "unicodetext", "mediumtext",
                 "longtext", "tinytext"}
_UNBOUNDED = {"text", "unicodetext", "mediumtext", "longtext"}
_INT_TYPES = {"smallinteger": 2, "smallint": 2, "tinyint": 1, "integer": 4, "int": 4, "biginteger": 8, "bigint": 8}
_TIME_TYPES = {"datetime", "timestamp", "date", "time"}


def type_family(t) -> str | None:
    if not t:
        return None
    n = t[0].lower()
    if n in _STRING_TYPES:
        return "string"
    if n in _INT_TYPES:
        return "int"
    if n in _TIME_TYPES:
        return "time"
    if n in ("boolean", "bool"):
        return "bool"
    if n in ("enum",):
        return "enum"
    if n in ("float", "numeric", "decimal", "double"):
        return "number"
    return n


def type_length(t):
    if not t:
        return None
    n = t[0].lower()
    if n in _UNBOUNDED:
        return float("inf")
    if n in _INT_TYPES:
        return _INT_TYPES[n]
    if t[1] and isinstance(t[1][0], int):
        return t[1][0]
    return None


_KEYWORD_PARAM = re.compile(r"^(fsp|precision|timezone|display_width)=")
_SHOWN_VALUES = 6  # an Enum of more values is shown by its first ones and a count


def fmt_type(t) -> str:
    """A type as messages show it: ``String(36)``, ``Numeric(precision=30)``,
    ``Enum('a', 'b', ... +20 more)``."""
    if not t:
        return "?"
    if not t[1]:
        return t[0]
    parts = [p if isinstance(p, str) and _KEYWORD_PARAM.match(p) else repr(p) if isinstance(p, str) else str(p)
             for p in t[1]]
    if len(parts) > _SHOWN_VALUES + 2:
        parts = parts[:_SHOWN_VALUES] + [f"... +{len(parts) - _SHOWN_VALUES} more"]
    return f"{t[0]}({', '.join(parts)})"


_CANONICAL = {"unicode": "string", "varchar": "string", "nvarchar": "string", "unicodetext": "text",
              "clob": "text", "nchar": "char", "int": "integer", "bigint": "biginteger",
              "smallint": "smallinteger", "bool": "boolean", "timestamp": "timestamp", "decimal": "numeric"}
_VARCHAR = {"string", "varchar", "unicode", "nvarchar"}
# bytes per character of MySQL charsets (the worst case); unknown charsets count as utf8mb4
_CHARSET_BYTES = {"utf8mb4": 4, "utf8": 3, "utf8mb3": 3, "latin1": 1, "ascii": 1, "binary": 1, "ucs2": 2,
                  "utf16": 4, "utf32": 4}
DEFAULT_CHARSET = "utf8mb4"


def canonical(t) -> str | None:
    """The DDL a type name renders: ``Unicode`` and ``VARCHAR`` are ``String``."""
    if not t:
        return None
    n = t[0].lower()
    return _CANONICAL.get(n, n)


def _enum_values(t) -> list[str]:
    return [p for p in t[1] if isinstance(p, str) and "=" not in p]


def retype_verdict(old, new) -> tuple[str | None, str]:
    """(severity or None for no finding, variant) for a column type change."""
    if new is None:
        return "warning", "retype_unknown"
    if old is None:
        return "warning", "retype_unknown"
    fo, fn = type_family(old), type_family(new)
    if fo == "enum" and fn == "string":
        return _enum_to_string(old, new)
    if fo != fn:
        return "error", "retype_family"
    if fo == "enum":
        o, n = _enum_values(old), _enum_values(new)
        if o and n and n[: len(o)] == o:
            return None, ""  # values appended at the end
        if o and n and set(o) <= set(n):
            return "warning", "retype_enum"
        return "error", "retype_narrow" if o and n else "retype_unknown"
    digits = _fixed_point(old), _fixed_point(new)
    if None not in digits:
        (io, so), (in_, sn) = digits
        if in_ < io or sn < so:
            return "error", "retype_narrow"  # Numeric(20, 8) -> Numeric(30, 28) keeps 2 integer digits of 12
        return (None, "") if (in_, sn) == (io, so) else ("warning", "retype_widen")
    lo, ln = type_length(old), type_length(new)
    if lo is not None and ln is not None:
        if ln < lo:
            return "error", "retype_narrow"
        if ln == lo and canonical(old) == canonical(new):
            return None, ""
        return "warning", "retype_widen"
    if canonical(old) == canonical(new) and old[1] == new[1]:
        return None, ""
    return "warning", "retype_same_family"


def _fixed_point(t):
    """(integer digits, scale) of ``Numeric(p, s)`` / ``DECIMAL(p, s)``; None otherwise."""
    if not t or t[0].lower() not in ("numeric", "decimal") or len(t[1]) != 2 or \
            not all(isinstance(x, int) for x in t[1]):
        return None
    return t[1][0] - t[1][1], t[1][1]


def _enum_to_string(old, new) -> tuple[str, str]:
    """Enum -> String: SQLAlchemy reads and binds both as ``str``, so N-1 code
    keeps working; a narrowing when a known value no longer fits."""
    values, ln = _enum_values(old), type_length(new)
    if values and ln is not None and max(len(v) for v in values) > ln:
        return "error", "retype_narrow"
    return "warning", "retype_widen"


def charset_bytes(charset: str | None) -> int:
    return _CHARSET_BYTES.get((charset or DEFAULT_CHARSET).lower(), 4)


def crosses_length_bytes(old, new, charset: str | None = None) -> bool:
    """A VARCHAR widened across 255 bytes (utf8mb4: 63 -> 64+ characters; utf8:
    85 -> 86+), which MySQL cannot do in place. An unknown charset counts as
    utf8mb4."""
    lo, ln = type_length(old), type_length(new)
    if type_family(old) != "string" or lo is None or ln is None:
        return False
    per = charset_bytes(charset)
    return lo * per <= 255 < ln * per


def may_cross_length_bytes(old, new, charset: str | None) -> bool:
    """Could the widening cross 255 bytes? With an unknown charset, under any
    of latin1, utf8 and utf8mb4 (a database's default may be any of them)."""
    if charset:
        return crosses_length_bytes(old, new, charset)
    return any(crosses_length_bytes(old, new, cs) for cs in ("latin1", "utf8", "utf8mb4"))


def varchar_growth(old, new) -> bool:
    """VARCHAR(n) -> VARCHAR(m > n) (Unicode and String alike)."""
    lo, ln = type_length(old), type_length(new)
    return (canonical(old) in _VARCHAR and canonical(new) in _VARCHAR and isinstance(lo, int)
            and isinstance(ln, int) and ln > lo)


def binary_coercible_growth(old, new) -> bool:
    """A string growth PostgreSQL makes by changing metadata only:
    varchar(n) -> varchar(m > n) or text."""
    return varchar_growth(old, new) or (canonical(old) in _VARCHAR and canonical(new) == "text")


# -- constraints ---------------------------------------------------------------------

_CREATES = {
    "index": ("create_index",),
    "unique": ("create_unique_constraint", "create_index"),
    "foreignkey": ("create_foreign_key",),
    "primary": ("create_primary_key",),
    "check": ("create_check_constraint",),
    None: ("create_index", "create_unique_constraint", "create_foreign_key", "create_primary_key",
           "create_check_constraint"),
}


def constraint_name(op) -> str | None:
    """The name a constraint or index drop names (neutron's ``remove_foreign_keys``
    helpers name none)."""
    if op.name.startswith("remove_f"):
        return None
    return op.args[0] if op.args and isinstance(op.args[0], str) else None


def constraint_kind(op, cname) -> str | None:
    """index / foreignkey / unique / primary / check, from the op, its ``type_``
    or the constraint's name; None when unknown."""
    if op.name == "drop_index":
        return "index"
    if op.name.startswith("remove_f"):
        return "foreignkey"
    t = op.get("type_")
    if t is None and op.receiver != "batch" and len(op.args) > 2 and isinstance(op.args[2], str):
        t = op.args[2]
    t = {"foreignkey": "foreignkey", "unique": "unique", "primary": "primary", "check": "check",
         "index": "index"}.get(t if isinstance(t, str) else "", None)
    if t is None and cname:
        low = cname.lower()
        if "fk" in low or "ibfk" in low or low.endswith("_fkey"):
            return "foreignkey"
        if low == "primary" or low.endswith("_pkey"):
            return "primary"
        if low.startswith(("uniq", "uc_", "uq_")) or low.endswith(("_uc", "_key")):
            return "unique"
        if low.startswith(("ix_", "idx_")) or low.endswith(("_idx", "_index")):
            return "index"
    return t


def creates_constraint(op, kind) -> bool:
    """Does ``op`` create a constraint (or index) of ``kind``?"""
    return op.name in _CREATES.get(kind, ())


def constrained_columns(op):
    """The local columns of a ``create_foreign_key`` / ``create_unique_constraint``
    (batch ops carry no table argument); None when not known."""
    shift = 1 if op.receiver == "batch" else 0
    pos = (3 if op.name == "create_foreign_key" else 2) - shift
    return op.args[pos] if len(op.args) > pos else None
