import Foundation

/// One rung of the escalation ladder (三单一函) as issued: unique per assignment, round and clock.
public struct Rung: Sendable, Equatable {
    public var clock: ClockKind
    public var round: Int
    public var level: EscalationLevel
    public var issuedAt: Date
    public var requiredBy: Date?
    public var issuedBy: Int64?
    public var note: String
    public init(clock: ClockKind, round: Int, level: EscalationLevel, issuedAt: Date, requiredBy: Date?, issuedBy: Int64? = nil, note: String = "") {
        self.clock = clock; self.round = round; self.level = level; self.issuedAt = issuedAt
        self.requiredBy = requiredBy; self.issuedBy = issuedBy; self.note = note
    }
}

/// The rung an assignment's ladder issues next, and when it falls due (the sweeper's index).
public struct NextRung: Sendable, Equatable {
    public var clock: ClockKind
    public var level: EscalationLevel
    public var at: Date
    public init(clock: ClockKind, level: EscalationLevel, at: Date) { self.clock = clock; self.level = level; self.at = at }
}

/// The ladder on one clock as it is now: the clock's deadline, and whether it is still running
/// (not met, not suspended, the assignment active).
public struct LadderClock: Sendable, Equatable {
    public var kind: ClockKind
    public var start: Date
    public var deadline: Date
    public var unit: DurationUnit
    public var running: Bool
    public var region: String?
    public init(kind: ClockKind, start: Date, deadline: Date, unit: DurationUnit, running: Bool, region: String? = nil) {
        self.kind = kind; self.start = start; self.deadline = deadline; self.unit = unit; self.running = running; self.region = region
    }
}

/// The escalation ladder, one function for the sweeper and for manual escalation. Each rung is
/// issued only if, at that moment, its clock is still running and (urging and above) past its
/// deadline; a cured clock stops the ladder, which resumes at the next rung not yet issued when
/// the clock goes overdue again. A manual rung may jump; the ladder continues above it.
public struct Ladder: Sendable {
    public let calculator: DeadlineCalculator
    public let policy: SLAPolicy

    public init(calculator: DeadlineCalculator, policy: SLAPolicy) {
        self.calculator = calculator
        self.policy = policy
    }

    /// The rungs each clock climbs: a reminder only makes sense before a close deadline;
    /// 催签 (urging to sign) starts at the response deadline; a late co-opinion is urged and supervised.
    public static func levels(_ clock: ClockKind) -> [EscalationLevel] {
        switch clock {
        case .close: return [.reminder, .urging, .supervision, .referral]
        case .response: return [.urging, .supervision, .referral]
        case .coReply: return [.urging, .supervision]
        case .callback: return []
        }
    }

    /// The next rung of one clock not yet issued (`issued`: this round's rungs), and when it is due.
    public func next(_ c: LadderClock, issued: [Rung]) -> NextRung? {
        guard c.running else { return nil }
        let mine = issued.filter { $0.clock == c.kind }
        let top = mine.map(\.level).max()
        guard let level = Self.levels(c.kind).first(where: { top == nil || $0 > top! }) else { return nil }
        func issuedAt(_ l: EscalationLevel) -> Date? { mine.first { $0.level == l }?.issuedAt }
        switch level {
        case .reminder:
            let at = calculator.reminderTime(start: c.start, deadline: c.deadline, unit: c.unit, region: c.region)
            return at < c.deadline ? NextRung(clock: c.kind, level: .reminder, at: at) : NextRung(clock: c.kind, level: .urging, at: c.deadline)
        case .urging:
            return NextRung(clock: c.kind, level: .urging, at: c.deadline)
        case .supervision:
            let at = calculator.deadline(from: issuedAt(.urging) ?? c.deadline, ClockLength(policy.supervisionAfterDays, .workingDays), region: c.region)
            return NextRung(clock: c.kind, level: .supervision, at: max(c.deadline, at))
        case .referral:
            let at = calculator.deadline(from: issuedAt(.supervision) ?? c.deadline, ClockLength(policy.referralAfterDays, .workingDays), region: c.region)
            return NextRung(clock: c.kind, level: .referral, at: max(c.deadline, at))
        }
    }

    /// What this clock issues at `now`, re-checked against the clock as it is: nothing if it was
    /// cured (met, suspended, or its deadline moved past `now`); a reminder that would arrive after
    /// the deadline becomes the urging.
    public func due(_ c: LadderClock, round: Int, issued: [Rung], now: Date) -> Rung? {
        guard let n = next(c, issued: issued), n.at <= now else { return nil }
        var level = n.level
        if level == .reminder && now >= c.deadline { level = .urging }
        if level != .reminder && now < c.deadline { return nil }
        if issued.contains(where: { $0.clock == c.kind && $0.level == level }) { return nil }
        return Rung(clock: c.kind, round: round, level: level, issuedAt: now,
                    requiredBy: requiredBy(level, clock: c.kind, issuedAt: now, deadline: c.deadline, region: c.region))
    }

    /// Every rung due on these clocks at `now`, and the assignment's next rung after them.
    public func sweep(_ clocks: [LadderClock], round: Int, issued: [Rung], now: Date) -> (issue: [Rung], next: NextRung?) {
        var all = issued, out: [Rung] = []
        for c in clocks {
            while out.count < 8, let r = due(c, round: round, issued: all, now: now) { out.append(r); all.append(r) }
        }
        return (out, pointer(clocks, issued: all))
    }

    /// The earliest next rung over the running clocks.
    public func pointer(_ clocks: [LadderClock], issued: [Rung]) -> NextRung? {
        clocks.compactMap { next($0, issued: issued) }.min { $0.at < $1.at }
    }

    /// By when the unit must act on a rung it received.
    public func requiredBy(_ level: EscalationLevel, clock: ClockKind, issuedAt: Date, deadline: Date, region: String?) -> Date? {
        switch level {
        case .reminder: return deadline
        case .urging: return calculator.deadline(from: issuedAt, clock == .response ? policy.response : ClockLength(1, .workingDays), region: region)
        case .supervision: return calculator.deadline(from: issuedAt, ClockLength(policy.supervisionAfterDays, .workingDays), region: region)
        case .referral: return nil
        }
    }
}
