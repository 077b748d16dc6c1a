#!/usr/bin/env python3
"""A peer verifier of a model-ledger database, written from docs/ledger-format.md alone
(Python's sqlite3, hmac and hashlib; no code shared with `ledger`).

    scripts/peer-verify.py LEDGER.sqlite KEYFILE

Checks what "What a verifier checks" lists (1-4): seq 1..n without gaps, one ledger_id,
every prev_mac links to the previous mac (64 zeros for seq 1), every mac recomputes with
the key its key_id names (P = RFC 8785 canonical JSON of every non-NULL column but mac),
and the key lifecycle (genesis key, keys announced by key.rotated, retired keys).
Prints one line per finding and a summary; exits 0 when intact, 2 with findings, 64 on
bad usage, 66 when a file cannot be read. Text is read as bytes, by length (U+0000 and
any byte kept). Used by `ledger-bench` to time a second, independent implementation.
"""

import hashlib
import hmac
import json
import re
import sqlite3
import sys

ZERO_MAC = b"0" * 64
SPECIAL = re.compile(rb'[\x00-\x1f"\\]')
SHORT = {0x22: b'\\"', 0x5C: b"\\\\", 0x08: b"\\b", 0x0C: b"\\f", 0x0A: b"\\n", 0x0D: b"\\r", 0x09: b"\\t"}


def escape(match):
    c = match.group()[0]
    return SHORT.get(c) or b"\\u%04x" % c


def json_string(raw):
    """A JSON string for UTF-8 bytes, escaped minimally (RFC 8785)."""
    if SPECIAL.search(raw) is None:
        return b'"' + raw + b'"'
    return b'"' + SPECIAL.sub(escape, raw) + b'"'


def member_order(name):
    # RFC 8785 sorts member names by their UTF-16 code units.
    return name.encode("utf-16-be")


def read_keys(path):
    keys = {}
    with open(path, "rb") as handle:
        for line in handle.read().split(b"\n"):
            line = line.strip()
            if not line or line.startswith(b"#"):
                continue
            raw = bytes.fromhex(line.decode("ascii"))
            keys[hashlib.sha256(raw).hexdigest()[:16].encode()] = raw
    return keys


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 64
    db_path, key_path = argv[1], argv[2]
    try:
        keys = read_keys(key_path)
        con = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True)
    except (OSError, ValueError, sqlite3.Error) as error:
        print("peer-verify: %s" % error, file=sys.stderr)
        return 66
    con.text_factory = bytes
    cursor = con.execute("SELECT * FROM entries ORDER BY seq")
    names = [d[0] for d in cursor.description]
    index = {name: i for i, name in enumerate(names)}
    signed = sorted((n for n in names if n != "mac"), key=member_order)
    plan = [(index[n], json_string(n.encode()) + b":") for n in signed]
    i_seq, i_lid, i_kind = index["seq"], index["ledger_id"], index["kind"]
    i_key, i_prev, i_mac, i_details = index["key_id"], index["prev_mac"], index["mac"], index["details"]

    findings = 0
    def finding(seq, text):
        nonlocal findings
        findings += 1
        if findings <= 1000:
            print("seq %s: %s" % (seq, text))

    digest = hmac.digest
    expected_seq, ledger_id, previous_mac = 1, None, ZERO_MAC
    announced, retired_at = set(), {}
    rows = 0
    for row in cursor:
        rows += 1
        seq = row[i_seq]
        if seq != expected_seq:
            finding(seq, "seq should be %d" % expected_seq)
        expected_seq = (seq if isinstance(seq, int) else expected_seq) + 1
        if ledger_id is None:
            ledger_id = row[i_lid]
        if row[i_lid] != ledger_id:
            finding(seq, "foreign ledger_id")
        if row[i_prev] != previous_mac:
            finding(seq, "prev_mac does not link")
        key_id = row[i_key]
        if rows == 1:
            announced.add(key_id)
        key = keys.get(key_id)
        if key is None:
            finding(seq, "key_id %s is not in the key file" % key_id.decode(errors="replace"))
        else:
            if key_id in retired_at and retired_at[key_id] < seq:
                finding(seq, "signed with a key retired at seq %d" % retired_at[key_id])
            if key_id not in announced:
                finding(seq, "signed with an unannounced key")
            parts = []
            for i, prefix in plan:
                value = row[i]
                if value is None:
                    continue
                if isinstance(value, int):
                    parts.append(prefix + str(value).encode())
                elif isinstance(value, bytes):
                    parts.append(prefix + json_string(value))
                else:
                    parts.append(prefix + b"null")
            payload = b"{" + b",".join(parts) + b"}"
            if digest(key, payload, "sha256").hex().encode() != row[i_mac]:
                finding(seq, "mac does not recompute")
        if row[i_kind] == b"key.rotated" and row[i_details] is not None:
            try:
                new_key = json.loads(row[i_details]).get("new_key_id", "").encode()
            except (ValueError, AttributeError):
                new_key = b""
            retired_at[key_id] = seq
            retired_at.pop(new_key, None)
            if key is not None and key_id in announced and new_key:
                announced.add(new_key)
        previous_mac = row[i_mac]
    print("%s: %d entries, %d findings" % ("INTACT" if findings == 0 else "TAMPERED", rows, findings))
    return 0 if findings == 0 else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
