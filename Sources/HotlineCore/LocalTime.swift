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
        String(format: "%04d-%02d-%02d", year, month, day)
    }
    /// `20261121`
    public var compact: String {
        String(format: "%04d%02d%02d", year, month, day)
    }
}

public struct ServiceClockZone: Sendable {
    public let timeZone: TimeZone
    private let calendar: Calendar

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
