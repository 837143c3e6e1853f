import Foundation

/// A service-level policy: the clocks every assignment under it runs (DOMAIN.md defaults, kept as data).
public struct SLAPolicy: Sendable, Equatable, Codable {
    public var code: String
    public var name: String
    public var response: ClockLength
    public var close: ClockLength
    public var callback: ClockLength
    /// A co-unit's opinion (协办意见), counted from dispatch.
    public var coReply: ClockLength
    public var maxExtensionDays: Int
    /// The most a ticket may stand suspended in all, in the close clock's unit.
    public var suspensionLimit: ClockLength
    /// Reasons a handler may give for a suspension (codes, e.g. `awaiting_ruling`).
    public var suspensionReasons: [String]
    public var supervisionAfterDays: Int
    public var referralAfterDays: Int
    public var callbackAttempts: Int
    public var version: Int

    public init(code: String, name: String, response: ClockLength, close: ClockLength, callback: ClockLength,
                coReply: ClockLength = ClockLength(3, .workingDays), maxExtensionDays: Int,
                suspensionLimit: ClockLength = ClockLength(20, .workingDays),
                suspensionReasons: [String] = ["awaiting_ruling", "caller_unavailable", "seasonal_work", "third_party"],
                supervisionAfterDays: Int, referralAfterDays: Int, callbackAttempts: Int, version: Int) {
        self.code = code; self.name = name; self.response = response; self.close = close; self.callback = callback
        self.coReply = coReply; self.maxExtensionDays = maxExtensionDays; self.suspensionLimit = suspensionLimit
        self.suspensionReasons = suspensionReasons
        self.supervisionAfterDays = supervisionAfterDays; self.referralAfterDays = referralAfterDays
        self.callbackAttempts = callbackAttempts; self.version = version
    }
}
