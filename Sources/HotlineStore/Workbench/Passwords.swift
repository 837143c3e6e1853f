import _CryptoExtras
import Crypto
import Foundation
import HotlineCore

/// Passwords for the workbench: PBKDF2-SHA256 with 600,000 iterations (OWASP 2023) and a random
/// 16-byte salt per password, stored as `pbkdf2-sha256$<iterations>$<salt>$<key>` (base64url).
/// Verification compares in constant time and re-derives with the iterations the hash names, so
/// the count can rise later without invalidating stored passwords.
public enum Passwords {
    public static let iterations = 600_000
    public static let minimumLength = 10
    public static let maximumLength = 200

    public static func hash(_ password: String, iterations: Int = Passwords.iterations) throws -> String {
        var rng = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let key = try derive(password, salt: salt, iterations: iterations)
        return "pbkdf2-sha256$\(iterations)$\(Base64URL.encode(bytes: salt))$\(Base64URL.encode(bytes: key))"
    }

    public static func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "pbkdf2-sha256", let n = Int(parts[1]), n >= 100_000, n <= 10_000_000,
              let salt = Base64URL.decode(bytes: String(parts[2])), let expected = Base64URL.decode(bytes: String(parts[3])), expected.count == 32,
              let key = try? derive(password, salt: salt, iterations: n) else { return false }
        var diff: UInt8 = 0
        for (a, b) in zip(key, expected) { diff |= a ^ b }
        return diff == 0 && key.count == expected.count
    }

    /// A hash that verifies nothing, derived once: an unknown login costs the same time as a known one.
    public static let decoy: String = (try? hash("decoy-\(UInt64.random(in: 0...UInt64.max))")) ?? "pbkdf2-sha256$600000$AAAA$AAAA"

    static func derive(_ password: String, salt: [UInt8], iterations: Int) throws -> [UInt8] {
        let key = try KDF.Insecure.PBKDF2.deriveKey(from: Array(password.utf8), salt: salt, using: .sha256,
                                                    outputByteCount: 32, unsafeUncheckedRounds: iterations)
        return key.withUnsafeBytes { Array($0) }
    }

    /// What a password must be (API.md: at least 10 characters); nil when acceptable.
    public static func problem(_ password: String) -> String? {
        if password.unicodeScalars.count < minimumLength { return "must be at least \(minimumLength) characters" }
        if password.unicodeScalars.count > maximumLength { return "must be at most \(maximumLength) characters" }
        return nil
    }
}
