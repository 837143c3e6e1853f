import Foundation
@testable import HotlineAPI
import NIOConcurrencyHelpers
import Testing

/// The board's ranking cache: a slow first build is not waited for past `wait`, a kept value is
/// answered at once, a stale one is rebuilt once in the background while the old one is shown.
@Suite struct RefreshedTests {
    @Test func aSlowFirstBuildIsNotWaitedForAndIsBuiltOnce() async throws {
        let cache = Refreshed<Int>(ttl: .seconds(60), wait: .milliseconds(100))
        let builds = NIOLockedValueBox(0)
        let slow: @Sendable () async throws -> Int = {
            builds.withLockedValue { $0 += 1 }
            try await Task.sleep(for: .seconds(5))
            return 42
        }
        let started = ContinuousClock.now
        let first = try await cache.value(for: "2026-11/street", build: slow)
        #expect(first == nil)
        // Not waited for: answered well before the 5 s build ends (the bound leaves room for a
        // 2-core machine busy with the rest of the suite; a wait of 100 ms took 2.1 s there once).
        #expect(ContinuousClock.now - started < .seconds(4))
        // A second board while the first build runs does not start another.
        #expect(try await cache.value(for: "2026-11/street", build: slow) == nil)
        #expect(try await eventually { try await cache.value(for: "2026-11/street", build: slow) } == 42)
        #expect(builds.withLockedValue { $0 } == 1)
    }

    @Test func aQuickFirstBuildIsAnsweredAndAStaleValueIsShownWhileRebuilt() async throws {
        let cache = Refreshed<Int>(ttl: .milliseconds(200), wait: .seconds(2))
        let counter = NIOLockedValueBox(0)
        let build: @Sendable () async throws -> Int = {
            try await Task.sleep(for: .milliseconds(50))
            return counter.withLockedValue { $0 += 1; return $0 }
        }
        #expect(try await cache.value(for: "k", build: build) == 1)
        #expect(try await cache.value(for: "k", build: build) == 1)
        try await Task.sleep(for: .milliseconds(300))
        // Stale: the old value at once, the new one after the background build.
        #expect(try await cache.value(for: "k", build: build) == 1)
        #expect(try await eventually { try await cache.value(for: "k", build: build) == 2 ? 2 : nil } == 2)
        #expect(counter.withLockedValue { $0 } >= 2)
    }

    /// The first non-nil answer within 10 s (polled every 50 ms).
    private func eventually(_ probe: () async throws -> Int?) async throws -> Int? {
        let end = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < end {
            if let v = try await probe() { return v }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    @Test func aFailedBuildIsReportedAndTriedAgainNextTime() async throws {
        struct Down: Error {}
        let cache = Refreshed<Int>(wait: .seconds(2))
        await #expect(throws: Down.self) { try await cache.value(for: "k") { throw Down() } }
        #expect(try await cache.value(for: "k") { 7 } == 7)
    }
}
