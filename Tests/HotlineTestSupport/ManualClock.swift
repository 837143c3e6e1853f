import Foundation
import HotlineCore
import NIOConcurrencyHelpers

/// A clock the test moves by hand.
public final class ManualClock: NowSource, Sendable {
    private let value: NIOLockedValueBox<Date>
    public init(_ start: Date) { value = NIOLockedValueBox(start) }
    public convenience init(_ rfc3339: String) { self.init(Timestamp.parse(rfc3339)!) }
    public func now() -> Date { value.withLockedValue { $0 } }
    public func set(_ d: Date) { value.withLockedValue { $0 = d } }
    public func set(_ rfc3339: String) { set(Timestamp.parse(rfc3339)!) }
    public func advance(_ seconds: TimeInterval) { value.withLockedValue { $0 = $0.addingTimeInterval(seconds) } }
}
