"""Every form a secret value takes on its way into a URL, a body, a repr, a YAML file or a header.

:func:`encoded_forms` maps each distinct spelling of a value to the name of the form (the audit
prints the name, never the spelling). A form identical to an earlier one keeps the earlier name.

Case: a value made only of hex digits and dashes (a UUID, a hex key) is treated as case-insensitive,
because servers and tools print such IDs in either case; its lower- and upper-case spellings get
every form too. Any other value is case-sensitive: a client secret is matched exactly.

base64: a value is found inside a longer base64 blob (``Basic base64(id:secret)``, a JWT, a binary
body) because each of its three byte alignments is listed with the characters that depend on its
neighbours cut off (:func:`_base64_cores`). The JSON-escaped value gets the same (a JSON body
encoded whole, as in a JWT or a data: URL).

Unicode: a non-ASCII value is also searched in its NFC and NFD normal forms (macOS file names and
some tools decompose ``é`` into ``e`` and a combining accent), each with every form.

Escaped once more: every spelling is also listed JSON-escaped (a notebook, a JSON log line), as a
Python repr (a repr of a repr: an exception in pytest's ``--debug`` log), with lowercase percent
escapes (``%2f``, equal to ``%2F`` by RFC 3986) and percent-encoded twice (``%252F``).
"""

from __future__ import annotations

import base64
import functools
import html
import json
import re
import shlex
import unicodedata
from urllib.parse import quote, quote_plus

import yaml

__all__ = ["BASE64_FORM_PREFIX", "encoded_forms", "is_case_insensitive"]

BASE64_FORM_PREFIX = "base64"

# The WHATWG percent-encode sets that httpx applies to paths and queries (httpx/_urlparse.py).
_WHATWG_QUERY_SAFE = "".join(chr(i) for i in range(0x20, 0x7F) if chr(i) not in ' "#<>')
_WHATWG_PATH_SAFE = "".join(c for c in _WHATWG_QUERY_SAFE if c not in "?`{}")
# RFC 3986 path characters: what urllib-based clients leave unescaped in a path segment.
_RFC3986_PATH_SAFE = "/:@!$&'()*+,;=~"
_HEX_ONLY = re.compile(r"[0-9A-Fa-f-]+")
_PERCENT_HEX = re.compile(r"%[0-9A-F]{2}")
# What pytest's ascii_escaped does to the control characters left in a test ID (_pytest/compat.py).
_NON_PRINTABLE = {i: f"\\x{i:02x}" for i in (*range(32), 127)} | {9: "\\t", 10: "\\n", 13: "\\r"}
_BACKSLASH_HEX = re.compile(r"\\(x[0-9A-F]{2}|u[0-9A-F]{4}|U[0-9A-F]{8})")


def is_case_insensitive(value: str) -> bool:
    """True for hex-ish identifiers (UUIDs, hex keys), which tools print in either case."""
    return _HEX_ONLY.fullmatch(value) is not None and any(c.isalpha() for c in value)


def _lower_percent(text: str) -> str:
    return _PERCENT_HEX.sub(lambda m: m.group(0).lower(), text)


def _yaml_double_quoted(value: str, *, allow_unicode: bool) -> str:
    # The real emitter, so the escapes are exactly PyYAML's (\xE9, \u20AC, \" and \\).
    dumped = yaml.safe_dump(value, default_style='"', allow_unicode=allow_unicode, width=2**31 - 1)
    return str(dumped).rstrip("\n").removesuffix("\n...")[1:-1]


def _xml_attribute(value: str, *, tab: str) -> str:
    # ElementTree (pytest's JUnit XML) and xml.sax.saxutils.quoteattr: & < > " and the whitespace
    # that attribute-value normalisation would otherwise turn into spaces.
    escaped = html.escape(value, quote=False).replace('"', "&quot;")
    return escaped.replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", tab)


def _shell_double_quoted(value: str) -> str:
    return re.sub(r'([\\"$`])', r"\\\1", value)


def _shell_backslashed(value: str) -> str:
    # bash's printf %q for printable ASCII: every character outside a safe set gets a backslash.
    return re.sub(r"([^A-Za-z0-9_@%+=:,./-])", r"\\\1", value) if value.isprintable() else value


def _base64_cores(data: bytes, alphabet: str) -> list[tuple[str, str]]:
    """The base64 characters that depend only on ``data``, at byte offsets 0, 1 and 2 of a blob.

    At offset k the first characters also carry bits of the k bytes before (0, 2 or 3 characters
    are cut), and unless the blob ends with the value, the last character carries bits of the
    byte after (one character is cut when the length is not a multiple of three).
    """
    encode = base64.b64encode if alphabet == "base64" else base64.urlsafe_b64encode
    cores = []
    for offset, cut in ((0, 0), (1, 2), (2, 3)):
        encoded = encode(b"\0" * offset + data).decode("ascii").rstrip("=")
        core = encoded[cut:]
        if (offset + len(data)) % 3:
            core = core[:-1]
        cores.append((core, f"{alphabet} (byte offset {offset} in a longer blob)"))
    return cores


def _spellings(value: str) -> list[tuple[str, str]]:
    utf8 = value.encode("utf-8")
    json_ascii = json.dumps(value)[1:-1]
    json_unicode = json.dumps(value, ensure_ascii=False)[1:-1]
    forms: list[tuple[str, str]] = [
        (value, "raw"),
        (quote(value, safe=""), "URL-encoded"),
        (_lower_percent(quote(value, safe="")), "URL-encoded (lowercase hex)"),
        (quote_plus(value, safe=""), "form-encoded (+ for space)"),
        (_lower_percent(quote_plus(value, safe="")), "form-encoded (lowercase hex)"),
        (quote(value, safe=_RFC3986_PATH_SAFE), "URL path (RFC 3986)"),
        (_lower_percent(quote(value, safe=_RFC3986_PATH_SAFE)), "URL path (lowercase hex)"),
        (quote(value, safe=_WHATWG_PATH_SAFE), "URL path (WHATWG, as httpx)"),
        (quote(value, safe=_WHATWG_QUERY_SAFE), "URL query (WHATWG, as httpx)"),
        (json_ascii, "JSON string"),
        (json_unicode, "JSON string (ensure_ascii=False)"),
        (json_ascii.replace("/", "\\/"), "JSON string (escaped slashes)"),
        (json.dumps(json_ascii)[1:-1], "JSON string inside JSON"),
        (json.dumps(json_unicode, ensure_ascii=False)[1:-1], "JSON string inside JSON (ensure_ascii=False)"),
        (repr(value)[1:-1], "Python repr"),
        (ascii(value)[1:-1], "Python ascii()"),
        (repr(utf8)[2:-1], "Python bytes repr"),
        (value.replace("'", "''"), "YAML single-quoted"),
        (_yaml_double_quoted(value, allow_unicode=True), "YAML double-quoted"),
        (_yaml_double_quoted(value, allow_unicode=False), "YAML double-quoted (\\x/\\u escapes)"),
        (
            _BACKSLASH_HEX.sub(lambda m: "\\" + m.group(1)[0] + m.group(1)[1:].lower(), ascii(value)[1:-1]),
            "\\x/\\u escapes (lowercase hex)",
        ),
        (html.escape(value), "HTML-escaped"),
        (html.escape(value).replace("&#x27;", "&#39;"), "HTML-escaped (&#39;)"),
        (html.escape(value, quote=False), "HTML-escaped (quotes kept)"),
        (utf8.decode("latin-1"), "UTF-8 read as Latin-1"),
        (_xml_attribute(value, tab="&#09;"), "XML attribute (ElementTree)"),
        (_xml_attribute(value, tab="&#9;"), "XML attribute (saxutils.quoteattr)"),
        (html.escape(value).replace("&#x27;", "&apos;"), "HTML-escaped (&apos;)"),
        (value.encode("unicode_escape").decode("ascii"), "unicode_escape (a pytest test ID)"),
        (
            utf8.decode("ascii", "backslashreplace").translate(_NON_PRINTABLE),
            "bytes with backslash escapes (a pytest test ID)",
        ),
        (utf8.hex(), "hex"),
        (utf8.hex().upper(), "hex (upper case)"),
        (shlex.quote(value).removeprefix("'").removesuffix("'"), "shell single-quoted"),
        (_shell_double_quoted(value), "shell double-quoted"),
        (_shell_backslashed(value), "shell backslash-escaped"),
    ]
    json_escaped = {json_ascii.encode("ascii"), json_unicode.encode("utf-8")} - {utf8}
    for alphabet, encode in (("base64", base64.b64encode), ("base64url", base64.urlsafe_b64encode)):
        forms.append((encode(utf8).decode("ascii"), alphabet))
        forms.extend(_base64_cores(utf8, alphabet))
        for escaped in sorted(json_escaped):
            cores = _base64_cores(escaped, alphabet)
            forms.extend((core, f"{name}, of the JSON-escaped value") for core, name in cores)
    return forms


@functools.lru_cache(maxsize=1024)
def encoded_forms(value: str) -> dict[str, str]:
    """Every spelling of ``value`` (raw, URL, form, JSON, repr, YAML, HTML, base64, ...) -> form name."""
    bases = {value: ""}
    if is_case_insensitive(value):
        bases.setdefault(value.lower(), ", lower case")
        bases.setdefault(value.upper(), ", upper case")
    if not value.isascii():
        bases.setdefault(unicodedata.normalize("NFC", value), ", Unicode NFC")
        bases.setdefault(unicodedata.normalize("NFD", value), ", Unicode NFD")
    forms: dict[str, str] = {}
    for base, suffix in bases.items():
        for spelling, name in _spellings(base):
            if spelling:
                forms.setdefault(spelling, name + suffix)
    # Any of these printed into JSON (a notebook output, a JSON log line, a report), a repr or a URL
    # is escaped once more.
    for spelling, name in list(forms.items()):
        forms.setdefault(json.dumps(spelling)[1:-1], f"{name}, JSON-escaped")
        forms.setdefault(json.dumps(spelling, ensure_ascii=False)[1:-1], f"{name}, JSON-escaped")
        forms.setdefault(repr(spelling)[1:-1], f"{name}, in a repr")
        if "%" in spelling:
            forms.setdefault(_lower_percent(spelling), f"{name}, lowercase hex")
            forms.setdefault(spelling.replace("%", "%25"), f"{name}, percent-encoded twice")
            forms.setdefault(_lower_percent(spelling).replace("%", "%25"), f"{name}, percent-encoded twice")
    return forms
