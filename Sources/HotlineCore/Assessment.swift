import Foundation

/// 月度考核: the metric definitions of DOMAIN.md, written once. The store counts; this computes.
public enum Satisfaction: String, Sendable, CaseIterable, Codable {
    case satisfied
    case basicallySatisfied = "basically_satisfied"
    case unsatisfied
}

public enum CallbackVerdict: String, Sendable, CaseIterable, Codable {
    case reopen
    case closeUnreasonable = "close_unreasonable"
}

/// Weights and policy of the assessment (configuration, editable through the API).
public struct AssessmentSettings: Sendable, Equatable, Codable {
    public var responseWeight: Double
    public var resolutionWeight: Double
    public var satisfactionWeight: Double
    /// How much a "basically satisfied" counts towards satisfaction (1 = as satisfied).
    public var basicallySatisfiedWeight: Double
    /// Share of directly answered tickets sampled for a callback, 0–100.
    public var answerSamplePercent: Int

    public init(responseWeight: Double = 0.30, resolutionWeight: Double = 0.35, satisfactionWeight: Double = 0.35,
                basicallySatisfiedWeight: Double = 1.0, answerSamplePercent: Int = 10) {
        self.responseWeight = responseWeight; self.resolutionWeight = resolutionWeight
        self.satisfactionWeight = satisfactionWeight; self.basicallySatisfiedWeight = basicallySatisfiedWeight
        self.answerSamplePercent = answerSamplePercent
    }
}

/// What the store counts for one unit over one month's cohort.
public struct UnitCounts: Sendable, Equatable, Codable {
    public var dispatched = 0          // all lead assignments of the cohort (terminated tickets excluded)
    public var returned = 0            // approved returns (excluded from received)
    public var respondedInTime = 0
    public var due = 0                 // replied, or close deadline already passed
    public var closedInTime = 0
    public var overdue = 0
    public var extended = 0
    public var reopened = 0
    public var reached = 0             // counted callbacks (the last after the last reply; unreasonable excluded)
    public var resolved = 0
    public var satisfied = 0
    public var basicallySatisfied = 0
    public var unsatisfied = 0
    public init() {}

    public var received: Int { dispatched - returned }

    /// Counts add up the unit tree (a district's figures are its units' sums).
    public static func += (a: inout UnitCounts, b: UnitCounts) {
        a.dispatched += b.dispatched; a.returned += b.returned; a.respondedInTime += b.respondedInTime; a.due += b.due
        a.closedInTime += b.closedInTime; a.overdue += b.overdue; a.extended += b.extended; a.reopened += b.reopened
        a.reached += b.reached; a.resolved += b.resolved; a.satisfied += b.satisfied
        a.basicallySatisfied += b.basicallySatisfied; a.unsatisfied += b.unsatisfied
    }

    /// Rolls per-unit counts up to the units of one level: each unit's counts go to the nearest
    /// unit of that level at or above it (`paths` are root-to-unit id lists). Units of the level
    /// without any counts are present with zeros.
    public static func rollUp(_ counts: [Int64: UnitCounts], paths: [Int64: [Int64]], levels: [Int64: String], to level: String) -> [Int64: UnitCounts] {
        var out: [Int64: UnitCounts] = [:]
        for (id, l) in levels where l == level { out[id] = UnitCounts() }
        for (unit, c) in counts {
            guard let path = paths[unit], let target = path.last(where: { levels[$0] == level }) else { continue }
            out[target, default: UnitCounts()] += c
        }
        return out
    }
}

/// One row of the monthly assessment.
public struct UnitAssessment: Sendable, Equatable, Codable {
    public var unitId: String
    public var unitCode: String
    public var unitName: String
    public var level: String
    public var counts: UnitCounts
    public var received: Int
    public var responseRate: Double?
    public var onTimeCloseRate: Double?
    public var resolutionRate: Double?
    public var satisfactionRate: Double?
    public var returnRate: Double?
    public var reopenRate: Double?
    public var score: Double?
    public var rank: Int?

    public init(unitId: String, unitCode: String, unitName: String, level: String, counts: UnitCounts, settings: AssessmentSettings) {
        self.unitId = unitId; self.unitCode = unitCode; self.unitName = unitName; self.level = level; self.counts = counts
        received = counts.received
        func ratio(_ a: Int, _ b: Int) -> Double? { b > 0 ? Double(a) / Double(b) : nil }
        responseRate = ratio(counts.respondedInTime, counts.received)
        onTimeCloseRate = ratio(counts.closedInTime, counts.due)
        resolutionRate = ratio(counts.resolved, counts.reached)
        satisfactionRate = counts.reached > 0
            ? (Double(counts.satisfied) + settings.basicallySatisfiedWeight * Double(counts.basicallySatisfied)) / Double(counts.reached)
            : nil
        returnRate = ratio(counts.returned, counts.dispatched)
        reopenRate = ratio(counts.reopened, counts.received)
        score = Self.score(response: responseRate, resolution: resolutionRate, satisfaction: satisfactionRate, settings: settings)
        rank = nil
    }

    /// 100 × weighted mean of the rates that exist; weights of missing rates (no callbacks yet)
    /// are left out rather than counted as zero. No rates at all: no score.
    public static func score(response: Double?, resolution: Double?, satisfaction: Double?, settings s: AssessmentSettings) -> Double? {
        let parts = [(response, s.responseWeight), (resolution, s.resolutionWeight), (satisfaction, s.satisfactionWeight)]
            .compactMap { v, w in v.map { ($0, w) } }
        let weight = parts.reduce(0) { $0 + $1.1 }
        guard weight > 0 else { return nil }
        let value = 100 * parts.reduce(0) { $0 + $1.0 * $1.1 } / weight
        return (value * 100).rounded() / 100
    }

    /// Standard competition ranking (1, 2, 2, 4) by score; units without a score are unranked.
    public static func ranked(_ rows: [UnitAssessment]) -> [UnitAssessment] {
        var out = rows.sorted {
            switch ($0.score, $1.score) {
            case let (a?, b?): return a != b ? a > b : $0.unitCode < $1.unitCode
            case (_?, nil): return true
            case (nil, _?): return false
            default: return $0.unitCode < $1.unitCode
            }
        }
        for i in out.indices {
            guard let s = out[i].score else { continue }
            out[i].rank = (i > 0 && out[i - 1].score == s) ? out[i - 1].rank : i + 1
        }
        return out
    }
}

extension Lifecycle {
    /// Where a callback leads (回访): a reached satisfied/basically satisfied caller closes the
    /// ticket; unsatisfied needs a verdict — reopen (back to the same unit) or close as
    /// unreasonable; an unreachable caller closes it only when the attempts are used up.
    public static func afterCallback(from s: TicketStatus, reached: Bool, satisfaction: Satisfaction?, verdict: CallbackVerdict?,
                                     attemptsExhausted: Bool) -> TicketStatus {
        guard reached else { return attemptsExhausted ? .closed : s }
        if satisfaction == .unsatisfied, verdict == .reopen, s == .awaitingCallback { return .reopened }
        return .closed
    }
}
