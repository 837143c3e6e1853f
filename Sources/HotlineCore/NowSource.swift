import Foundation

/// Where "now" comes from: the system clock in service, a hand-moved clock in tests.
public protocol NowSource: Sendable {
    func now() -> Date
}

public struct SystemNow: NowSource {
    public init() {}
    public func now() -> Date { Date() }
}
