/// 流水号: the local day of receipt followed by that day's sequence, e.g. `2026112100042`.
/// Sorting numbers as text sorts tickets by day of receipt, then by registration order.
public enum TicketNumber {
    /// Sequences 1…89,999 take five digits (`2026112100042`). A busier day continues with
    /// `9` + seven digits (`20261121` `9` `0090000`), which still sorts after every five-digit
    /// sequence of that day because those never start with 9. Capacity: 9,999,999 a day.
    public static func make(day: LocalDay, sequence: Int) -> String {
        precondition(sequence > 0 && sequence <= capacity)
        if sequence < 90_000 {
            return day.compact + Digits.padded(sequence, 5)
        }
        return day.compact + "9" + Digits.padded(sequence, 7)
    }

    /// Whether a string has the shape of a ticket number (for path validation).
    public static func isWellFormed(_ s: String) -> Bool {
        (s.count == 13 || s.count == 16) && s.allSatisfy { $0.isASCII && $0.isNumber }
    }
}

extension TicketNumber {
    /// The day's sequence inside a well-formed number (`2026112100042` → 42,
    /// `2026112190090000` → 90,000); nil for anything else.
    public static func sequence(of number: String) -> Int? {
        guard isWellFormed(number) else { return nil }
        let digits = number.dropFirst(8)
        return Int(digits.count == 5 ? digits : digits.dropFirst())
    }

    /// The highest sequence `make` can write for one day.
    public static let capacity = 9_999_999
}
