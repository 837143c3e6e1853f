import Foundation

/// Dates as the hotline sees them: calendar days in the service's time zone (Asia/Shanghai).
public struct LocalDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var year: Int, month: Int, day: Int
    public init(year: Int, month: Int, day: Int) {
        self.year = year; self.month = month; self.day = day
    }
    public static func < (a: LocalDay, b: LocalDay) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }
    /// `2026-11-21`
    public var description: String {
        var d = Digits(capacity: 10)
        d.append(year, width: 4); d.append("-"); d.append(month, width: 2); d.append("-"); d.append(day, width: 2)
        return d.string
    }
    /// `20261121`
    public var compact: String {
        var d = Digits(capacity: 8)
        d.append(year, width: 4); d.append(month, width: 2); d.append(day, width: 2)
        return d.string
    }
}

/// Zero-padded decimal text without `String(format:)` (Foundation's formatter was ~5 % of an
/// intake's CPU: day numbers, timestamps and query codes are written on every request).
public struct Digits: Sendable {
    private var bytes: [UInt8]
    public init(capacity: Int = 16) { bytes = []; bytes.reserveCapacity(capacity) }

    /// `n` (non-negative) in at least `width` digits.
    public mutating func append(_ n: Int, width: Int) {
        var v = n < 0 ? 0 : n
        let start = bytes.count
        repeat { bytes.append(UInt8(48 + v % 10)); v /= 10 } while v > 0
        while bytes.count - start < width { bytes.append(48) }
        bytes[start...].reverse()
    }

    public mutating func append(_ ascii: Unicode.Scalar) { bytes.append(UInt8(ascii.value)) }

    public var string: String { String(decoding: bytes, as: UTF8.self) }

    /// `n` in exactly `width` digits, zero-padded.
    public static func padded(_ n: Int, _ width: Int) -> String {
        var d = Digits(capacity: width)
        d.append(n, width: width)
        return d.string
    }
}

public struct ServiceClockZone: Sendable {
    public let timeZone: TimeZone
    public let calendar: Calendar

    public init(identifier: String = "Asia/Shanghai") throws(ValidationFailure) {
        guard let tz = TimeZone(identifier: identifier) else {
            throw ValidationFailure("HOTLINE_TIMEZONE", "unknown time zone '\(identifier)'")
        }
        self.timeZone = tz
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = tz
        self.calendar = cal
    }

    public func localDay(of instant: Date) -> LocalDay {
        let c = calendar.dateComponents([.year, .month, .day], from: instant)
        return LocalDay(year: c.year!, month: c.month!, day: c.day!)
    }
}
