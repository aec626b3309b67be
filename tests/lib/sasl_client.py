#!/usr/bin/env python3
"""sasl_client.py - an independent SASL client for testing the server side.

Written from the RFCs with the Python standard library only (hmac, hashlib,
base64, secrets), sharing no code with src/global/sasl.c, it runs one
exchange against tests/sasl_drive (see tests/unit/sasl_drive.c for the line
protocol) and checks what the server says, including SCRAM's server
signature.

usage: sasl_client.py DRIVE MECH SERVER_USER SERVER_PASSWORD [options]
    --secure          tell the driver the channel is protected (TLS)
    --user U          the user the client claims (default SERVER_USER)
    --password P      the password the client uses (default SERVER_PASSWORD)
    --authzid A       ask for authorization identity A
    --no-initial      send no initial response (PLAIN, SCRAM)
    --initial         send the user name as initial response (LOGIN)
    --gs2-flag F      SCRAM gs2 channel-binding flag: n (default), y, p=NAME

Prints the conversation, the driver's log lines as "DRIVE: ...", and last
one of:  RESULT OK / RESULT FAIL <server text> / RESULT ERROR <why>.
Exit status 0 for OK (for SCRAM only once the server signature is
verified), 1 for FAIL, 2 for ERROR (the server misbehaved, or a bad call).
"""

import argparse
import base64
import hashlib
import hmac
import os
import secrets
import subprocess
import sys


class ClientError(Exception):
    """The server broke the protocol, or could not be run."""


class Drive:
    """The server under test, spoken to one base64 line at a time."""

    def __init__(self, argv):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)

    def send(self, data, first=False):
        """Send bytes; None means "no initial response" (first line only)."""
        if data is None:
            line = b"-"
        else:
            line = base64.b64encode(data)
            if first and not line:
                line = b"="
        print("C: " + line.decode())
        try:
            self.proc.stdin.write(line + b"\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass        # the server has finished; recv() reads what it said

    def recv(self):
        """Return ("+", bytes), ("OK", bytes) or ("FAIL", text)."""
        line = self.proc.stdout.readline().decode("utf-8", "replace")
        line = line.rstrip("\r\n")
        print("S: " + line)
        tag, _, rest = line.partition(" ")
        if tag in ("+", "OK"):
            try:
                return tag, base64.b64decode(rest, validate=True)
            except ValueError as e:
                raise ClientError("server sent bad base64: %r" % rest) from e
        if tag == "FAIL":
            return tag, rest
        raise ClientError("unexpected line from the server: %r" % line)

    def finish(self):
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        err = self.proc.stderr.read().decode("utf-8", "replace")
        self.proc.wait()
        for line in err.splitlines():
            print("DRIVE: " + line)
        return self.proc.returncode


class Failed(Exception):
    """The server said FAIL."""


def expect(drive, tag):
    got, data = drive.recv()
    if got == "FAIL":
        raise Failed(data)
    if got != tag:
        raise ClientError("expected %s from the server, got %s" % (tag, got))
    return data


def final(drive):
    got, data = drive.recv()
    if got == "FAIL":
        raise Failed(data)
    if got != "OK":
        raise ClientError("expected OK or FAIL, got a challenge")
    return data


def plain(drive, opt):
    msg = opt.authzid + b"\0" + opt.user + b"\0" + opt.password
    if opt.no_initial:
        drive.send(None, first=True)
        if expect(drive, "+") != b"":
            raise ClientError("PLAIN: the first challenge should be empty")
        drive.send(msg)
    else:
        drive.send(msg, first=True)
    final(drive)


def login(drive, opt):
    if opt.initial:
        drive.send(opt.user, first=True)
    else:
        drive.send(None, first=True)
        if expect(drive, "+") != b"Username:":
            raise ClientError("LOGIN: expected Username:")
        drive.send(opt.user)
    if expect(drive, "+") != b"Password:":
        raise ClientError("LOGIN: expected Password:")
    drive.send(opt.password)
    final(drive)


def cram_md5(drive, opt):
    drive.send(None, first=True)
    chal = expect(drive, "+")
    if not (chal.startswith(b"<") and chal.endswith(b">") and b"@" in chal):
        raise ClientError("CRAM-MD5: challenge %r is not <...@host>" % chal)
    digest = hmac.new(opt.password, chal, hashlib.md5).hexdigest()
    drive.send(opt.user + b" " + digest.encode())
    final(drive)


def saslname(name):
    """RFC 5802: "," is sent as "=2C" and "=" as "=3D"."""
    return name.replace(b"=", b"=3D").replace(b",", b"=2C")


def scram_attrs(msg):
    attrs = {}
    for part in msg.split(b","):
        if len(part) < 2 or part[1:2] != b"=":
            raise ClientError("SCRAM: bad attribute %r" % part)
        attrs[part[:1]] = part[2:]
    return attrs


def hmac256(key, data):
    return hmac.new(key, data, hashlib.sha256).digest()


def scram_sha256(drive, opt):
    gs2 = opt.gs2_flag + b","
    if opt.authzid:
        gs2 += b"a=" + saslname(opt.authzid)
    gs2 += b","
    cnonce = secrets.token_urlsafe(24).encode()
    bare = b"n=" + saslname(opt.user) + b",r=" + cnonce
    if opt.no_initial:
        drive.send(None, first=True)
        if expect(drive, "+") != b"":
            raise ClientError("SCRAM: the first challenge should be empty")
        drive.send(gs2 + bare)
    else:
        drive.send(gs2 + bare, first=True)
    sfirst = expect(drive, "+")
    print("# server-first received")
    a = scram_attrs(sfirst)
    nonce, salt, iters = a.get(b"r", b""), a.get(b"s"), a.get(b"i", b"0")
    if not nonce.startswith(cnonce) or len(nonce) == len(cnonce):
        raise ClientError("SCRAM: server nonce does not extend the client's")
    if salt is None or not iters.isdigit() or int(iters) < 4096:
        raise ClientError("SCRAM: bad salt or iteration count")
    salted = hashlib.pbkdf2_hmac("sha256", opt.password,
                                 base64.b64decode(salt, validate=True),
                                 int(iters))
    client_key = hmac256(salted, b"Client Key")
    stored_key = hashlib.sha256(client_key).digest()
    without_proof = b"c=" + base64.b64encode(gs2) + b",r=" + nonce
    auth = bare + b"," + sfirst + b"," + without_proof
    proof = bytes(x ^ y for x, y in zip(client_key, hmac256(stored_key, auth)))
    drive.send(without_proof + b",p=" + base64.b64encode(proof))
    fin = scram_attrs(final(drive))
    want = hmac256(hmac256(salted, b"Server Key"), auth)
    if b"v" not in fin:
        raise ClientError("SCRAM: no server signature (v=) in the final message")
    if not hmac.compare_digest(base64.b64decode(fin[b"v"], validate=True), want):
        raise ClientError("SCRAM: server signature does not verify")
    print("# server signature verified")


MECHS = {"PLAIN": plain, "LOGIN": login, "CRAM-MD5": cram_md5,
         "SCRAM-SHA-256": scram_sha256}


def options(argv):
    p = argparse.ArgumentParser(description="independent SASL test client")
    p.add_argument("drive")
    p.add_argument("mech")
    p.add_argument("server_user")
    p.add_argument("server_password")
    p.add_argument("--secure", action="store_true")
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--authzid", default="")
    p.add_argument("--no-initial", action="store_true")
    p.add_argument("--initial", action="store_true")
    p.add_argument("--gs2-flag", default="n")
    opt = p.parse_args(argv)
    # Arguments as the bytes they were given (UTF-8 passwords included).
    opt.user = os.fsencode(opt.user if opt.user is not None else opt.server_user)
    opt.password = os.fsencode(opt.password if opt.password is not None
                               else opt.server_password)
    opt.authzid = os.fsencode(opt.authzid)
    opt.gs2_flag = os.fsencode(opt.gs2_flag)
    return opt


def main(argv):
    opt = options(argv)
    if opt.mech.upper() not in MECHS:
        print("RESULT ERROR this client does not know %s" % opt.mech)
        return 2
    cmd = [opt.drive, opt.mech, opt.server_user, opt.server_password]
    if opt.secure:
        cmd.append("secure")
    try:
        drive = Drive(cmd)
    except OSError as e:
        print("RESULT ERROR cannot run %s: %s" % (opt.drive, e))
        return 2
    try:
        MECHS[opt.mech.upper()](drive, opt)
        result, status = "RESULT OK", 0
    except Failed as e:
        result, status = "RESULT FAIL %s" % e, 1
    except (ClientError, BrokenPipeError) as e:
        result, status = "RESULT ERROR %s" % e, 2
    rc = drive.finish()
    if status != 2 and rc != status:
        result, status = "RESULT ERROR driver exit status %d" % rc, 2
    print(result)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
