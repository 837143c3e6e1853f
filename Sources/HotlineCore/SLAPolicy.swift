import Foundation

/// A service-level policy: the clocks every assignment under it runs (DOMAIN.md defaults, kept as data).
public struct SLAPolicy: Sendable, Equatable, Codable {
    public var code: String
    public var name: String
    public var response: ClockLength
    public var close: ClockLength
    public var callback: ClockLength
    public var maxExtensionDays: Int
    public var supervisionAfterDays: Int
    public var referralAfterDays: Int
    public var callbackAttempts: Int
    public var version: Int

    public init(code: String, name: String, response: ClockLength, close: ClockLength, callback: ClockLength,
                maxExtensionDays: Int, supervisionAfterDays: Int, referralAfterDays: Int, callbackAttempts: Int, version: Int) {
        self.code = code; self.name = name; self.response = response; self.close = close; self.callback = callback
        self.maxExtensionDays = maxExtensionDays; self.supervisionAfterDays = supervisionAfterDays
        self.referralAfterDays = referralAfterDays; self.callbackAttempts = callbackAttempts; self.version = version
    }
}

/// When each rung of the escalation ladder falls due for an assignment's close clock.
public struct EscalationSchedule: Sendable {
    public let calculator: DeadlineCalculator
    public let policy: SLAPolicy

    public init(calculator: DeadlineCalculator, policy: SLAPolicy) {
        self.calculator = calculator
        self.policy = policy
    }

    /// `start`/`deadline` are the close clock's; `previousIssuedAt` is when the rung below was issued.
    public func dueAt(_ level: EscalationLevel, start: Date, deadline: Date, previousIssuedAt: Date?, region: String?) -> Date {
        switch level {
        case .reminder:
            return calculator.reminderTime(start: start, deadline: deadline, unit: policy.close.unit, region: region)
        case .urging:
            return deadline
        case .supervision:
            return calculator.deadline(from: previousIssuedAt ?? deadline, ClockLength(policy.supervisionAfterDays, .workingDays), region: region)
        case .referral:
            return calculator.deadline(from: previousIssuedAt ?? deadline, ClockLength(policy.referralAfterDays, .workingDays), region: region)
        }
    }

    /// By when the unit must act on a rung it received.
    public func requiredBy(_ level: EscalationLevel, issuedAt: Date, deadline: Date, region: String?) -> Date? {
        switch level {
        case .reminder: return deadline
        case .urging: return calculator.deadline(from: issuedAt, ClockLength(1, .workingDays), region: region)
        case .supervision: return calculator.deadline(from: issuedAt, ClockLength(policy.supervisionAfterDays, .workingDays), region: region)
        case .referral: return nil
        }
    }
}
