"""TLS material for the stand-in, made with the openssl command line tool:
a test CA, server certificates signed by it, and the bad certificates the
transport tests need (another CA, expired, another host name)."""

import datetime
import os
import secrets
import subprocess
import time


class CertFiles:
    """A certificate and its private key, as PEM files."""

    def __init__(self, cert, key):
        self.cert = cert
        self.key = key

    def __repr__(self):
        return "CertFiles(%r, %r)" % (self.cert, self.key)


class TLSMaterial:
    """What make_tls_material() creates: ca (the trusted CA, its cert is the
    CA file to give clients), server (127.0.0.2, 127.0.0.1, localhost, signed
    by ca), other_ca, untrusted (the same names, signed by other_ca),
    expired (signed by ca, validity over) and wrong_host (signed by ca, only
    for wrong-host.invalid)."""

    def __init__(self, directory, ca, server, other_ca, untrusted, expired,
                 wrong_host):
        self.directory = directory
        self.ca = ca
        self.server = server
        self.other_ca = other_ca
        self.untrusted = untrusted
        self.expired = expired
        self.wrong_host = wrong_host

    @property
    def ca_file(self):
        return self.ca.cert


DEFAULT_SANS = ("IP:127.0.0.2", "IP:127.0.0.1", "DNS:localhost")


def _openssl(args, cwd):
    proc = subprocess.run(["openssl"] + list(args), cwd=cwd,
                          stdin=subprocess.DEVNULL, capture_output=True,
                          text=True)
    if proc.returncode != 0:
        raise RuntimeError("openssl %s failed (%d): %s" % (
            " ".join(args), proc.returncode, proc.stderr.strip()))
    return proc.stdout


def _write(path, text, mode=0o644):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def _asn1_time(t):
    return datetime.datetime.fromtimestamp(
        t, datetime.timezone.utc).strftime("%Y%m%d%H%M%SZ")


def make_ca(directory, name="ca", common_name="Threads stand-in test CA",
            days=3650):
    """Creates a self-signed CA (EC P-256) as <name>.pem / <name>.key in
    directory. Returns CertFiles."""
    os.makedirs(directory, exist_ok=True)
    cert = os.path.join(directory, name + ".pem")
    key = os.path.join(directory, name + ".key")
    conf = os.path.join(directory, name + "-req.cnf")
    _write(conf, "\n".join([
        "[ req ]",
        "distinguished_name = dn",
        "prompt = no",
        "x509_extensions = v3_ca",
        "[ dn ]",
        "CN = " + common_name,
        "O = Threads stand-in",
        "[ v3_ca ]",
        "basicConstraints = critical, CA:TRUE",
        "keyUsage = critical, keyCertSign, cRLSign",
        "subjectKeyIdentifier = hash",
        "",
    ]))
    _openssl(["req", "-x509", "-new", "-config", conf,
              "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
              "-nodes", "-keyout", key, "-out", cert, "-days", str(days),
              "-sha256"], cwd=directory)
    os.chmod(cert, 0o644)
    os.chmod(key, 0o600)
    return CertFiles(cert, key)


def make_cert(directory, ca, name="server", common_name="127.0.0.2",
              sans=DEFAULT_SANS, not_before=None, not_after=None, days=30):
    """Creates a server certificate signed by ca (CertFiles of make_ca) as
    <name>.pem / <name>.key in directory. not_before / not_after are Unix
    times (default: an hour ago / days from now); a not_after in the past
    makes an expired certificate. Returns CertFiles."""
    os.makedirs(directory, exist_ok=True)
    now = time.time()
    if not_before is None:
        not_before = now - 3600
    if not_after is None:
        not_after = now + days * 86400
    cert = os.path.join(directory, name + ".pem")
    key = os.path.join(directory, name + ".key")
    csr = os.path.join(directory, name + ".csr")
    req_conf = os.path.join(directory, name + "-req.cnf")
    ca_conf = os.path.join(directory, name + "-ca.cnf")
    ext = os.path.join(directory, name + "-ext.cnf")
    db_dir = os.path.join(directory, name + "-db")
    os.makedirs(db_dir, exist_ok=True)
    _write(os.path.join(db_dir, "index.txt"), "")
    _write(os.path.join(db_dir, "serial"), "%016X\n" % secrets.randbits(63))
    _write(req_conf, "\n".join([
        "[ req ]",
        "distinguished_name = dn",
        "prompt = no",
        "[ dn ]",
        "CN = " + common_name,
        "O = Threads stand-in",
        "",
    ]))
    _write(ca_conf, "\n".join([
        "[ ca ]",
        "default_ca = standin_ca",
        "[ standin_ca ]",
        "database = " + os.path.join(db_dir, "index.txt"),
        "new_certs_dir = " + db_dir,
        "serial = " + os.path.join(db_dir, "serial"),
        "default_md = sha256",
        "policy = any_policy",
        "unique_subject = no",
        "copy_extensions = none",
        "[ any_policy ]",
        "commonName = supplied",
        "organizationName = optional",
        "",
    ]))
    lines = [
        "basicConstraints = critical, CA:FALSE",
        "keyUsage = critical, digitalSignature, keyEncipherment",
        "extendedKeyUsage = serverAuth",
        "subjectKeyIdentifier = hash",
        "authorityKeyIdentifier = keyid",
    ]
    if sans:
        lines.append("subjectAltName = " + ", ".join(sans))
    _write(ext, "\n".join(lines) + "\n")
    _openssl(["req", "-new", "-config", req_conf,
              "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
              "-nodes", "-keyout", key, "-out", csr], cwd=directory)
    _openssl(["ca", "-batch", "-config", ca_conf, "-cert", ca.cert,
              "-keyfile", ca.key, "-in", csr, "-out", cert, "-notext",
              "-rand_serial", "-extfile", ext,
              "-startdate", _asn1_time(not_before),
              "-enddate", _asn1_time(not_after)], cwd=directory)
    os.chmod(cert, 0o644)
    os.chmod(key, 0o600)
    return CertFiles(cert, key)


def make_tls_material(directory):
    """Creates in directory everything TLS tests need (see TLSMaterial)."""
    ca = make_ca(directory, "ca")
    server = make_cert(directory, ca, "server")
    other_ca = make_ca(directory, "other-ca",
                       common_name="Some other test CA")
    untrusted = make_cert(directory, other_ca, "untrusted")
    now = time.time()
    expired = make_cert(directory, ca, "expired", not_before=now - 40 * 86400,
                        not_after=now - 86400)
    wrong_host = make_cert(directory, ca, "wrong-host",
                           common_name="wrong-host.invalid",
                           sans=("DNS:wrong-host.invalid",))
    return TLSMaterial(directory, ca, server, other_ca, untrusted, expired,
                       wrong_host)



def reuse_or_make_server_material(directory):
    """The CA (ca.pem, ca.key) and the server certificate (server.pem,
    server.key) in directory, each made unless already there. Returns the
    server's CertFiles."""
    os.makedirs(directory, exist_ok=True)
    ca = CertFiles(os.path.join(directory, "ca.pem"),
                   os.path.join(directory, "ca.key"))
    server = CertFiles(os.path.join(directory, "server.pem"),
                       os.path.join(directory, "server.key"))
    if not (os.path.exists(ca.cert) and os.path.exists(ca.key)):
        ca = make_ca(directory, "ca")
        server = make_cert(directory, ca, "server")
    elif not (os.path.exists(server.cert) and os.path.exists(server.key)):
        server = make_cert(directory, ca, "server")
    return server
