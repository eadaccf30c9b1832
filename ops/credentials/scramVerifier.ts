import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";

/**
 * A PostgreSQL SCRAM-SHA-256 password verifier (RFC 5803 / 7677, as PostgreSQL stores it in
 * pg_authid). `ALTER ROLE … PASSWORD '<verifier>'` sets the password without the plain value
 * ever reaching the server, so no server log or statement statistics can show it.
 */
export function scramSha256Verifier(password: string, iterations = 4096, salt: Buffer = randomBytes(16)): string {
    const salted = pbkdf2Sync(password.normalize("NFKC"), salt, iterations, 32, "sha256");
    const clientKey = createHmac("sha256", salted).update("Client Key").digest();
    const storedKey = createHash("sha256").update(clientKey).digest();
    const serverKey = createHmac("sha256", salted).update("Server Key").digest();
    return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}
