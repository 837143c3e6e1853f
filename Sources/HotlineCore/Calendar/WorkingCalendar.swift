import Foundation

/// China's official working-day calendar: Monday–Friday are working days, minus public holidays,
/// plus make-up working days (调休, a Saturday or Sunday that is worked). The exceptions are data
/// (published each November for the next year), optionally overridden per region.
public struct WorkingCalendar: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable, Codable {
        case holiday, workday
    }

    /// National exceptions by day, and per-region overrides that take precedence for that region.
    public var exceptions: [LocalDay: Kind]
    public var regional: [String: [LocalDay: Kind]]
    /// Years whose State Council notice is loaded; nil treats every year as published (exceptions only).
    public var published: Set<Int>?
    /// Statutory holidays of the unpublished years in `provisionalYears` (see `StatutoryHolidays`).
    public private(set) var statutory: Set<LocalDay> = []

    public init(exceptions: [LocalDay: Kind] = [:], regional: [String: [LocalDay: Kind]] = [:],
                published: Set<Int>? = nil, provisionalYears: ClosedRange<Int>? = nil) {
        self.exceptions = exceptions
        self.regional = regional
        self.published = published
        if let published, let provisionalYears {
            for year in provisionalYears where !published.contains(year) { statutory.formUnion(StatutoryHolidays.days(year)) }
        }
    }

    /// Explicit exceptions (regional first) win; in an unpublished year the statutory holidays
    /// are off; otherwise Monday–Friday.
    public func isWorkingDay(_ day: LocalDay, region: String? = nil) -> Bool {
        if let region, let kind = regional[region]?[day] { return kind == .workday }
        if let kind = exceptions[day] { return kind == .workday }
        if statutory.contains(day) { return false }
        return !day.isWeekend
    }

    /// Whether the year's notice is loaded.
    public func isPublished(_ year: Int) -> Bool { published?.contains(year) ?? true }

    /// Working days d with `from` < d ≤ `to` (the counting rule's 次日起算 applied to an interval).
    public func workingDays(after from: LocalDay, through to: LocalDay, region: String? = nil) -> Int {
        guard to > from else { return 0 }
        var n = 0, d = from
        while d < to {
            d = d.adding(days: 1)
            if isWorkingDay(d, region: region) { n += 1 }
        }
        return n
    }

    /// The Nth working day strictly after `day` (次日起算). N ≥ 1.
    public func nthWorkingDay(after day: LocalDay, _ n: Int, region: String? = nil) -> LocalDay {
        precondition(n >= 1)
        var d = day
        var count = 0
        while true {
            d = d.adding(days: 1)
            if isWorkingDay(d, region: region) {
                count += 1
                if count == n { return d }
            }
        }
    }
}

extension LocalDay {
    /// Days since 1970-01-01.
    public var ordinal: Int { Timestamp.daysFromCivil(year: year, month: month, day: day) }

    public init(ordinal: Int) {
        let (y, m, d) = Timestamp.civilFromDays(ordinal)
        self.init(year: y, month: m, day: d)
    }

    public func adding(days n: Int) -> LocalDay { LocalDay(ordinal: ordinal + n) }

    /// ISO weekday: 1 = Monday … 7 = Sunday.
    public var weekday: Int {
        let w = (ordinal + 3) % 7  // 1970-01-01 was a Thursday (ISO 4)
        return (w < 0 ? w + 7 : w) + 1
    }

    public var isWeekend: Bool { weekday >= 6 }

    /// Parses `2026-10-01`.
    public init?(iso s: String) {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1...12).contains(m), d >= 1
        else { return nil }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard d <= monthDays[m - 1] else { return nil }
        self.init(year: y, month: m, day: d)
    }
}

extension ServiceClockZone {
    /// 00:00 of the day, in this zone.
    public func startOfDay(_ day: LocalDay) -> Date {
        var comps = DateComponents()
        comps.year = day.year; comps.month = day.month; comps.day = day.day
        comps.hour = 0; comps.minute = 0; comps.second = 0
        comps.timeZone = timeZone
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = timeZone
        return cal.date(from: comps)!
    }

    /// 24:00 of the day, i.e. 00:00 of the next.
    public func endOfDay(_ day: LocalDay) -> Date { startOfDay(day.adding(days: 1)) }
}

/// How a clock's length is counted (DOMAIN.md, "Clocks and SLAs").
public enum DurationUnit: String, Sendable, CaseIterable, Codable {
    case minutes, hours
    case workingDays = "working_days"
}

public struct ClockLength: Sendable, Equatable, Codable {
    public var amount: Int
    public var unit: DurationUnit
    public init(_ amount: Int, _ unit: DurationUnit) {
        self.amount = amount
        self.unit = unit
    }
}

/// Deadlines by the counting rule: N working days end at 24:00 (service zone) of the Nth working
/// day after the start day; minutes and hours are natural time.
public struct DeadlineCalculator: Sendable {
    public let calendar: WorkingCalendar
    public let zone: ServiceClockZone

    public init(calendar: WorkingCalendar, zone: ServiceClockZone) {
        self.calendar = calendar
        self.zone = zone
    }

    public func deadline(from start: Date, _ length: ClockLength, region: String? = nil) -> Date {
        switch length.unit {
        case .minutes: return start.addingTimeInterval(Double(length.amount) * 60)
        case .hours: return start.addingTimeInterval(Double(length.amount) * 3600)
        case .workingDays:
            let startDay = zone.localDay(of: start)
            return zone.endOfDay(calendar.nthWorkingDay(after: startDay, length.amount, region: region))
        }
    }

    /// Moves a deadline later by N working days (an approved extension): the end of the Nth
    /// working day after the day the deadline closed. Natural-time deadlines move by N × 24 h.
    public func extend(_ deadline: Date, workingDays n: Int, naturalTime: Bool, region: String? = nil) -> Date {
        if naturalTime { return deadline.addingTimeInterval(Double(n) * 86400) }
        let lastDay = zone.localDay(of: deadline.addingTimeInterval(-0.001))
        return zone.endOfDay(calendar.nthWorkingDay(after: lastDay, n, region: region))
    }

    /// A working-day deadline is provisional while a year it counts through is unpublished.
    public func isProvisional(start: Date, deadline: Date, unit: DurationUnit) -> Bool {
        guard unit == .workingDays else { return false }
        let first = zone.localDay(of: start).year, last = zone.localDay(of: deadline.addingTimeInterval(-0.001)).year
        return (first...max(first, last)).contains { !calendar.isPublished($0) }
    }

    /// The start of the last working day on or before the day a deadline closes: when the
    /// reminder (提醒单) is due. For natural-time clocks, three quarters of the way through.
    public func reminderTime(start: Date, deadline: Date, unit: DurationUnit, region: String? = nil) -> Date {
        guard unit == .workingDays else {
            return start.addingTimeInterval(deadline.timeIntervalSince(start) * 0.75)
        }
        var day = zone.localDay(of: deadline.addingTimeInterval(-0.001))
        while !calendar.isWorkingDay(day, region: region) { day = day.adding(days: -1) }
        return max(start, zone.startOfDay(day))
    }
}
