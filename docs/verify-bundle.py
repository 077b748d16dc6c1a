#!/usr/bin/env python3
"""Check a model-ledger evidence bundle carrying proofs with a public key only, without model-ledger.

    python3 verify-bundle.py BUNDLE.jsonl KEY.vkey

KEY.vkey holds the C2SP verifier key (`<name>+<8 hex>+<base64>`, from `ledger keys vkey`). Checks:

1. the header's `checkpoint` is a C2SP signed note with a valid Ed25519 signature by that key
   (signature lines of other keys are ignored), and its body is a tlog-checkpoint (origin, size, root);
2. every entry line: leaf_index = seq - 1, and its leaf hash SHA-256(0x00 || canonical JSON of the entry
   with its mac) is in the checkpoint's tree, by its inclusion proof (the RFC 9162 section 2.1.3.2 algorithm);
3. seq runs without gaps, each prev_mac is the previous line's mac, one ledger_id throughout.

The HMACs and the header's claims are NOT checked (they need the HMAC key): the proofs authenticate every
entry. Exit 0 when everything holds, 1 with one line per problem otherwise, 2 on usage errors.
Needs Python 3.8+ and the `cryptography` package (Ed25519); everything else is the standard library.
"""

import base64
import hashlib
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def parse_vkey(text):
    """C2SP vkey: name+hex(key id)+base64(0x01 || 32-byte Ed25519 public key); the key id must match."""
    name, key_id, key_b64 = text.strip().split("+", 2)
    key = base64.b64decode(key_b64, validate=True)
    if len(key) != 33 or key[0] != 0x01:
        raise ValueError("not an Ed25519 vkey")
    computed = hashlib.sha256(name.encode() + b"\n" + key).digest()[:4]
    if computed.hex() != key_id.lower():
        raise ValueError("the vkey's key id does not match its name and key")
    return name, computed, Ed25519PublicKey.from_public_bytes(key[1:])


def verify_note(note, vkey):
    """Returns the note's text (body) when a signature by vkey verifies; raises otherwise."""
    name, key_id, public_key = vkey
    text, sep, signatures = note.rpartition("\n\n")
    if not sep:
        raise ValueError("not a signed note (no blank line before the signatures)")
    text += "\n"
    verified = False
    for line in signatures.split("\n"):
        if not line.startswith("\u2014 "):
            continue
        signer, _, sig_b64 = line[2:].rpartition(" ")
        raw = base64.b64decode(sig_b64)
        if signer != name or raw[:4] != key_id:
            continue  # another key (e.g. a witness): ignored
        try:
            public_key.verify(raw[4:], text.encode())
        except InvalidSignature:
            raise ValueError("the note's signature does not verify: the note was altered")
        verified = True
    if not verified:
        raise ValueError("the note carries no signature by the trusted key")
    return text


def leaf_hash(entry, mac):
    """SHA-256(0x00 || RFC 8785 canonical JSON of every column, mac included).

    The entry holds only strings and integers, whose canonical form json.dumps gives with sorted keys,
    no whitespace and ensure_ascii=False."""
    columns = dict(entry, mac=mac)
    data = json.dumps(columns, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(leaf, index, size, proof, root):
    """RFC 9162 section 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    with open(argv[2], encoding="utf-8") as f:
        vkey = parse_vkey(f.read())
    problems = []
    with open(argv[1], encoding="utf-8") as bundle:
        header = json.loads(bundle.readline())
        if "checkpoint" not in header:
            print("the bundle carries no checkpoint: nothing to check with a public key", file=sys.stderr)
            return 1
        body = verify_note(header["checkpoint"], vkey).split("\n")
        origin, size, root = body[0], int(body[1]), base64.b64decode(body[2])
        print(f"checkpoint {origin}: tree of {size} entries, signature verified")
        previous = None  # (seq, mac, ledger_id) of the line before
        lines = 0
        for number, raw in enumerate(bundle, start=2):
            line = json.loads(raw)
            entry, mac = line["entry"], line["mac"]
            seq = entry["seq"]
            lines += 1
            if line.get("leaf_index") != seq - 1:
                problems.append(f"line {number}: leaf_index is not seq - 1")
            proof = [base64.b64decode(h) for h in line.get("inclusion_proof", [])]
            if not verify_inclusion(leaf_hash(entry, mac), seq - 1, size, proof, root):
                problems.append(f"line {number} (seq {seq}): the inclusion proof does not prove this entry")
            if previous is not None:
                if seq != previous[0] + 1:
                    problems.append(f"line {number}: seq {seq} does not follow {previous[0]}")
                if entry["prev_mac"] != previous[1]:
                    problems.append(f"line {number} (seq {seq}): prev_mac is not the previous line's mac")
                if entry["ledger_id"] != previous[2]:
                    problems.append(f"line {number} (seq {seq}): another ledger_id")
            elif seq == 1 and entry["prev_mac"] != "0" * 64:
                problems.append("line 2: the ledger's first entry must have prev_mac 64 zeros")
            previous = (seq, mac, entry["ledger_id"])
    if lines == 0:
        problems.append("the bundle holds no entry lines")
    for problem in problems:
        print(problem)
    if problems:
        return 1
    print(f"OK: {lines} entry line(s) proved in the checkpoint and linked")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (ValueError, KeyError, IndexError, TypeError, json.JSONDecodeError) as error:
        print(f"FAILED: {error}", file=sys.stderr)
        sys.exit(1)
