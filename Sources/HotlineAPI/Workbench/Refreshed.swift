import Foundation
import NIOConcurrencyHelpers

/// A value that is expensive to make and may be a little old (the board's monthly ranking):
/// stale-while-revalidate. A kept value is answered at once and, once older than `ttl`, made again
/// in the background — one build per key at a time, detached from the request that started it, so
/// no request's deadline cuts it off. With nothing kept yet a caller waits up to `wait` for the
/// first build and otherwise gets nil (the page says the value is being made).
final class Refreshed<Value: Sendable>: Sendable {
    private struct Kept { var at: ContinuousClock.Instant; var value: Value?; var building: Task<Value, Error>? }
    private let kept = NIOLockedValueBox<[String: Kept]>([:])
    let ttl: Duration
    let wait: Duration
    let maxKeys: Int

    init(ttl: Duration = .seconds(60), wait: Duration = .milliseconds(1500), maxKeys: Int = 50) {
        self.ttl = ttl; self.wait = wait; self.maxKeys = maxKeys
    }

    func value(for key: String, build: @escaping @Sendable () async throws -> Value) async throws -> Value? {
        let now = ContinuousClock.now
        let (shown, task): (Value?, Task<Value, Error>?) = kept.withLockedValue { map in
            var k = map[key] ?? Kept(at: now, value: nil, building: nil)
            let fresh = k.value != nil && now - k.at < ttl
            if !fresh && k.building == nil {
                if map.count >= maxKeys { map = map.filter { $0.value.building != nil } }
                // The task takes the lock only after this closure has released it.
                k.building = Task.detached { [kept] in
                    do {
                        let v = try await build()
                        kept.withLockedValue { $0[key] = Kept(at: ContinuousClock.now, value: v, building: nil) }
                        return v
                    } catch {
                        kept.withLockedValue { $0[key]?.building = nil }
                        throw error
                    }
                }
            }
            map[key] = k
            return (k.value, k.building)
        }
        if let shown { return shown }
        guard let task else { return nil }
        // A race between the build and the clock. Not a task group: a group waits for all its
        // children, and awaiting a task's value cannot be cancelled.
        let pending = NIOLockedValueBox<CheckedContinuation<Value?, Error>?>(nil)
        let resume: @Sendable (Result<Value?, Error>) -> Void = { result in
            pending.withLockedValue { c in c?.resume(with: result); c = nil }
        }
        return try await withCheckedThrowingContinuation { (c: CheckedContinuation<Value?, Error>) in
            pending.withLockedValue { $0 = c }
            Task { resume(await task.result.map { Optional($0) }) }
            Task { [wait] in try? await Task.sleep(for: wait); resume(.success(nil)) }
        }
    }
}
