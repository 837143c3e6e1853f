/// Callers' phone numbers as agents type them: `138 0013 8000`, `+86-138-0013-8000`,
/// `010-12345678`, `(0755)8888 8888`. Normalised to digits (and a leading `+` for other countries).
public enum PhoneNumber {
    public static func normalize(_ raw: String) -> String? {
        var digits = ""
        var plus = false
        for (i, ch) in raw.trimmingWhitespace().enumerated() {
            switch ch {
            case "0"..."9": digits.append(ch)
            case "+" where i == 0: plus = true
            case " ", "-", "(", ")", ".": continue
            default: return nil
            }
        }
        if plus {
            // +86 is China: store the national form so the same caller matches however typed.
            if digits.hasPrefix("86") { digits.removeFirst(2); plus = false }
        } else if digits.hasPrefix("0086") {
            digits.removeFirst(4)
        }
        guard (3...20).contains(digits.count) else { return nil }
        return plus ? "+" + digits : digits
    }
}
