#!/usr/bin/env python3
"""Makes extra_vectors.json with Debian's fwknop client (2.6.10) in test
mode (-T: the packet is built and printed, never sent): every HMAC and
inner digest type, mixed digest pairs, a spoofed user name and a packet
without an HMAC.  Same layout as vectors.json (from /work/shared).  Run by
hand; the output is committed as test data."""
import json, os, subprocess, tempfile

PASS = ["--key-rijndael", "fwknoptestkey", "--key-hmac", "fwknophmackey"]
BASE = ["fwknop", "--no-rc-file", "--no-save-args", "-D", "198.18.1.1", "-T", "-v"]

cases = [
    ("x01_hmac_md5",       ["--use-hmac", "--hmac-digest-type", "md5", "-m", "md5"], "md5", "ok"),
    ("x02_hmac_sha1",      ["--use-hmac", "--hmac-digest-type", "sha1", "-m", "sha1"], "sha1", "ok"),
    ("x03_hmac_sha384",    ["--use-hmac", "--hmac-digest-type", "sha384", "-m", "sha384"], "sha384", "ok"),
    ("x04_hmac_sha3_256",  ["--use-hmac", "--hmac-digest-type", "sha3_256", "-m", "sha3_256"], "sha3_256", "ok"),
    ("x05_hmac_sha3_512",  ["--use-hmac", "--hmac-digest-type", "sha3_512", "-m", "sha3_512"], "sha3_512", "ok"),
    ("x06_inner_sha3_256_hmac_sha256", ["--use-hmac", "-m", "sha3_256"], "sha256", "ok"),
    ("x07_inner_md5_hmac_sha512", ["--use-hmac", "--hmac-digest-type", "sha512", "-m", "md5"], "sha512", "ok"),
    ("x08_spoof_user",     ["--use-hmac", "-U", "alice.smith"], "sha256", "ok"),
    ("x09_no_hmac",        [], "none", "no_hmac"),
]

def dump(out):
    fields = {}
    for line in out.splitlines():
        if line.startswith("Generating SPA packet"):
            break
        if ": " in line and not line.startswith("="):
            k, v = line.split(": ", 1)
            fields[k.strip()] = v.strip()
    return fields

vecs = []
with tempfile.TemporaryDirectory() as home:
    env = dict(os.environ, HOME=home)
    for name, extra, hmac, expect in cases:
        # --key-hmac alone turns the HMAC on: the no-HMAC case omits it.
        keys = PASS if expect == "ok" else PASS[:2]
        cmd = BASE + keys + extra + ["-A", "tcp/22,udp/53", "-a", "198.18.1.2"]
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
        f = dump(out)
        vecs.append({"name": name, "client_cmd": " ".join(cmd), "hmac_type": hmac,
                     "legacy_iv": False, "key": "fwknoptestkey", "key_is_base64": False,
                     "hmac_key": "fwknophmackey", "expect": expect, "fields": f,
                     "wire_packet": f["Final SPA Data"]})
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "extra_vectors.json"), "w") as fp:
    json.dump(vecs, fp, indent=1)
    fp.write("\n")
