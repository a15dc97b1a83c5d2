#!/usr/bin/python3
"""
NAME
  dkim-verify.py - verify every DKIM signature of a message with dkimpy (Debian's python3-dkim)
SYNOPSIS
  deploy/local/dkim-verify.py RECORDS-FILE < MESSAGE
DESCRIPTION
  An independent check of Warmwire's DKIM signatures (RFC 6376, RFC 8463): the verification
  is dkimpy's, not Warmwire's. RECORDS-FILE stands in for DNS: one TXT record per line,
  "<name> <value>", e.g.
    s1._domainkey.example.com v=DKIM1; k=rsa; p=MIIBIjANBgkq...
  (lines starting with '#' are ignored). Prints one line per DKIM-Signature field (its d=, s=,
  a= and pass or fail) and exits 0 when the message has at least one and every one verifies,
  1 otherwise. Uses /usr/bin/python3, where Debian installs dkimpy (and python3-nacl for
  ed25519-sha256).
"""
import sys

import dkim


def main():
    records = {}
    with open(sys.argv[1], encoding="ascii") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, _, value = line.partition(" ")
            records[name.lower().rstrip(".")] = value.strip().encode("ascii")

    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode("ascii")
        return records.get(name.lower().rstrip("."))

    message = sys.stdin.buffer.read()
    checker = dkim.DKIM(message)
    count = sum(1 for name, _ in checker.headers if name.lower() == b"dkim-signature")
    if count == 0:
        print("no DKIM-Signature field")
        return 1
    failed = 0
    for idx in range(count):
        ok = False
        try:
            ok = checker.verify(idx=idx, dnsfunc=dnsfunc)
        except dkim.DKIMException as e:
            print(f"signature {idx}: error: {e}")
        sig = checker.signature_fields or {}
        tags = " ".join(f"{k.decode()}={sig.get(k, b'?').decode()}" for k in (b"d", b"s", b"a"))
        print(f"signature {idx}: {tags}: {'pass' if ok else 'fail'}")
        failed += 0 if ok else 1
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
