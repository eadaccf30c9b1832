import { execFileSync } from "node:child_process";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface IssuedCertificate {
    /** The private CA's certificate: what a client trusts. */
    caFile: string;
    /** The server's certificate for 127.0.0.1, signed by the CA, and its key (mode 0600). */
    certFile: string;
    keyFile: string;
}

/** A private CA of its own in `dir` and a server certificate for 127.0.0.1 it signs, valid for a day (openssl). */
export function issueCertificate(dir: string): IssuedCertificate {
    const file = (name: string) => join(dir, name);
    const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "ignore" });
    const days = ["-days", "1"];
    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        file("ca.key"),
        "-out",
        file("ca.crt"),
        ...days,
        "-subj",
        "/CN=test CA",
    );
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", file("server.key"), "-out", file("server.csr"), "-subj", "/CN=127.0.0.1");
    writeFileSync(file("san.ext"), "subjectAltName=IP:127.0.0.1\n");
    openssl(
        ...["x509", "-req", "-in", file("server.csr"), "-CA", file("ca.crt"), "-CAkey", file("ca.key"), "-CAcreateserial"],
        ...["-out", file("server.crt"), ...days, "-extfile", file("san.ext")],
    );
    chmodSync(file("server.key"), 0o600);
    return { caFile: file("ca.crt"), certFile: file("server.crt"), keyFile: file("server.key") };
}
