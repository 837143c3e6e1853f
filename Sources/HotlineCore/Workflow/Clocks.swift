import Foundation

/// The clocks an assignment runs (DOMAIN.md second edition, "Clocks, exactly").
public enum ClockKind: String, Sendable, CaseIterable, Codable {
    case response            // 签收, lead and co-units
    case close               // 办结答复, the lead
    case coReply = "co_reply"  // 协办意见, a co-unit
    case callback            // 回访, after an approved reply
}

public enum AssignmentRole: String, Sendable, CaseIterable, Codable {
    case lead, co
}

public enum AssignmentStatus: String, Sendable, CaseIterable, Codable {
    case active, returned, ended
}

/// What a deadline is derived from, so that a calendar edit can derive it again: the start, the
/// length, approved extensions (working days) and the time spent suspended in the clock's own
/// unit (working days for working-day clocks, seconds for natural time).
public struct ClockSpec: Sendable, Equatable {
    public var start: Date
    public var length: ClockLength
    public var extensionDays: Int
    public var suspendedDays: Int
    public var suspendedSeconds: Double

    public init(start: Date, length: ClockLength, extensionDays: Int = 0, suspendedDays: Int = 0, suspendedSeconds: Double = 0) {
        self.start = start; self.length = length; self.extensionDays = extensionDays
        self.suspendedDays = suspendedDays; self.suspendedSeconds = suspendedSeconds
    }

    public var isNaturalTime: Bool { length.unit != .workingDays }

    /// Working-day clocks: N + extensions + suspended working days from the start (次日起算).
    /// Natural-time clocks: the length, plus 24 h per extension day, plus the suspended seconds.
    public func deadline(_ calc: DeadlineCalculator, region: String?) -> Date {
        if isNaturalTime {
            return calc.deadline(from: start, length, region: region)
                .addingTimeInterval(Double(extensionDays) * 86400 + suspendedSeconds)
        }
        return calc.deadline(from: start, ClockLength(length.amount + extensionDays + suspendedDays, .workingDays), region: region)
    }

    /// Adds the time between `since` and `until` to the suspended total, in the clock's unit.
    public mutating func addSuspension(since: Date, until: Date, _ calc: DeadlineCalculator, region: String?) {
        guard until > since else { return }
        if isNaturalTime {
            suspendedSeconds += until.timeIntervalSince(since)
        } else {
            suspendedDays += calc.calendar.workingDays(after: calc.zone.localDay(of: since), through: calc.zone.localDay(of: until), region: region)
        }
    }
}

/// The co-unit's opinion is due by its own clock, and never later than one working day before the
/// lead's close deadline (natural-time leads: 24 h before), but not before it was asked.
public func coReplyDeadline(own: Date, leadClose: Date, asked: Date, unit: DurationUnit, _ calc: DeadlineCalculator, region: String?) -> (deadline: Date, capped: Bool) {
    let cap: Date
    if unit == .workingDays {
        var day = calc.zone.localDay(of: leadClose.addingTimeInterval(-0.001)).adding(days: -1)
        while !calc.calendar.isWorkingDay(day, region: region) { day = day.adding(days: -1) }
        cap = calc.zone.endOfDay(day)
    } else {
        cap = leadClose.addingTimeInterval(-86400)
    }
    let capped = max(cap, asked)
    return own <= capped ? (own, false) : (capped, true)
}
