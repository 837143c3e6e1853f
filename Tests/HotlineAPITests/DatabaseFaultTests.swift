import Foundation
import HTTPTypes
@testable import HotlineAPI
import HotlineCore
import HotlineStore
import HotlineTestSupport
import PostgresNIO
import Testing

/// The service across database faults (issue 15, item 1), on real PostgreSQL: the database seen
/// through a proxy the test breaks (down as in a restart or crash, or hanging), backends
/// terminated under the pool, a query cut off — each answered 503 problem+json with Retry-After
/// within 5 s, never a 500 or a hang, and healed without restarting anything.
@Suite struct DatabaseFaultTests {
    func elapsed(_ start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    func expect503(_ r: TestApp.Reply, within seconds: Double, since start: ContinuousClock.Instant, _ what: String) {
        #expect(r.status == .serviceUnavailable, "\(what): \(r.status) \(r.body)")
        #expect(r.headers[.retryAfter] != nil, "\(what): no Retry-After")
        #expect(r.headers[.contentType]?.hasPrefix("application/problem+json") == true, "\(what)")
        #expect(elapsed(start) < seconds, "\(what) took \(elapsed(start)) s")
    }

    @Test func anUnreachableOrHangingDatabaseAnswers503FastAndTheServiceHealsByItself() async throws {
        try await TestApp.withProxy { app, proxy in
            let agent = try await app.token(.agent)
            var ready = false
            for _ in 0..<50 where !ready {
                ready = try await app.request(.get, "/v1/tickets", token: agent).status == .ok
                if !ready { try await Task.sleep(for: .milliseconds(200)) }
            }
            #expect(ready)
            for mode in [FaultProxy.Mode.down, .blackhole] {
                proxy.set(mode)
                var start = ContinuousClock.now
                expect503(try await app.request(.get, "/v1/tickets", token: agent), within: 5, since: start, "list while \(mode)")
                start = ContinuousClock.now
                expect503(try await app.request(.get, "/readyz"), within: 5, since: start, "readyz while \(mode)")
                // A write whose outcome is unknown is retried by the client with its key.
                start = ContinuousClock.now
                let w = try await app.request(.post, "/v1/tickets", token: agent, json: validTicket(),
                                              headers: [HTTPField.Name("Idempotency-Key")!: "fault-\(mode)"])
                expect503(w, within: 5, since: start, "intake while \(mode)")
                proxy.set(.up)
                // Back by itself: no restart of anything.
                var healed = false
                for _ in 0..<50 {
                    if try await app.request(.get, "/readyz").status == .ok { healed = true; break }
                    try await Task.sleep(for: .milliseconds(200))
                }
                #expect(healed, "not ready again after \(mode)")
                let retried = try await app.request(.post, "/v1/tickets", token: agent, json: validTicket(),
                                                    headers: [HTTPField.Name("Idempotency-Key")!: "fault-\(mode)"])
                #expect(retried.status == .created, "\(retried.body)")
                let again = try await app.request(.post, "/v1/tickets", token: agent, json: validTicket(),
                                                  headers: [HTTPField.Name("Idempotency-Key")!: "fault-\(mode)"])
                #expect(again.json["id"] as? String == retried.json["id"] as? String)
            }
            var count = 0
            for try await n in try await app.services.db.client.query("SELECT count(*) FROM idempotency_keys", logger: app.services.db.logger)
                .decode(Int64.self) { count = Int(n) }
            #expect(count == 2)
        }
    }

    /// A request's alarm: fired before or after its waiter starts, it throws why; a cancelled
    /// waiter (the answer came first) throws CancellationError; it fires once.
    @Test func aRequestsAlarmFiresOnceWithItsReason() async throws {
        let early = RequestAlarm()
        early.fire(.deadline)
        early.fire(.databaseDown)
        await #expect(throws: DeadlineExceeded.self) { try await early.wait() }

        let late = RequestAlarm()
        let waiting = Task { try await late.wait() }
        try await Task.sleep(for: .milliseconds(50))
        late.fire(.databaseDown)
        await #expect(throws: DatabaseDown.self) { try await waiting.value }

        let cancelled = RequestAlarm()
        let task = Task { try await cancelled.wait() }
        try await Task.sleep(for: .milliseconds(50))
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
    }

    /// Requests in flight learn of an outage from the probe that finds it, not by polling.
    @Test func theProbeThatFindsTheDatabaseDownFiresTheAlarmsOfRequestsInFlight() async throws {
        try await TestApp.withProxy { app, proxy in
            let health = try #require(app.services.health)
            let inFlight = RequestAlarm()
            let watching = try #require(health.watch(inFlight))
            let waiting = Task { try await inFlight.wait() }
            proxy.set(.down)
            var probes = 0
            while !health.isDown && probes < 20 { _ = await health.probe(); probes += 1 }
            #expect(health.isDown)
            await #expect(throws: DatabaseDown.self) { try await waiting.value }
            // While down, a new request's alarm fires at once.
            let later = RequestAlarm()
            #expect(health.watch(later) == nil)
            await #expect(throws: DatabaseDown.self) { try await later.wait() }
            health.unwatch(watching)
            proxy.set(.up)
        }
    }

    @Test func aPoolWithEveryConnectionBrokenAnswers503OrWorksNeverA500() async throws {
        try await TestApp.with { app in
            let agent = try await app.token(.agent)
            for _ in 0..<4 { _ = try await app.request(.get, "/v1/tickets", token: agent) }
            try await TestDatabase.terminateBackends(of: app.services.db)
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<6 { statuses.append(try await app.request(.get, "/v1/tickets", token: agent).status) }
            #expect(statuses.allSatisfy { $0 == .ok || $0 == .serviceUnavailable }, "\(statuses)")
            #expect(statuses.last == .ok, "\(statuses)")
        }
    }

    @Test func aQueryCutOffByTerminateBackendIs503() async throws {
        try await TestApp.with { app in
            let db = app.services.db
            let cut = Task { () -> APIError? in
                do { _ = try await db.client.query("SELECT pg_sleep(5)", logger: db.logger).collect(); return nil }
                catch { return ProblemMiddleware.translate(error) }
            }
            // Cut it once it runs (on a loaded machine the query may start late).
            var terminated = 0
            for _ in 0..<40 where terminated == 0 {
                try await Task.sleep(for: .milliseconds(100))
                terminated = try await TestDatabase.terminateBackends(of: db, matching: "SELECT pg_sleep%")
            }
            #expect(terminated == 1)
            let answer = await cut.value
            #expect(answer?.status == .serviceUnavailable, "\(String(describing: answer))")
            #expect(answer?.extra["retry_after"] != nil)
        }
    }

    @Test func aRevokedTokenStopsWorkingOnEveryInstanceAtOnce() async throws {
        try await TestApp.with { app in
            let other = Services(db: app.services.db, migrator: app.services.migrator, zone: app.services.zone, metrics: nil)
            let listeners = Task {
                await withTaskGroup(of: Void.self) { g in
                    g.addTask { try? await app.services.revocations.run() }
                    g.addTask { try? await other.revocations.run() }
                }
            }
            defer { listeners.cancel() }
            #expect(await app.services.revocations.waitUntilListening(timeout: .seconds(5)))
            #expect(await other.revocations.waitUntilListening(timeout: .seconds(5)))
            let admin = try await app.token(.admin)
            let (user, token) = try await app.services.users.create(.init(login: "revokee", displayName: "x", role: .agent, unitId: nil))
            // The other instance has the token in its cache.
            let auth = Authenticator(users: other.users, failuresPerMinute: 100, cache: other.principals)
            var req = HTTPFields(); req[.authorization] = "Bearer \(token)"
            #expect(try await auth.principal(headers: req) != nil)
            let r = try await app.request(.delete, "/v1/users/\(user.id)/tokens", token: admin)
            #expect(r.status == .ok)
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await auth.principal(headers: req) == nil)
            listeners.cancel()
        }
    }

    @Test func reportsAndTheSupervisorsListsReadFromTheReplicaEverythingElseFromTheLeader() async throws {
        try await TestApp.withProxy(readerOnly: true) { app, replica in
            let agent = try await app.token(.agent)
            let supervisor = try await app.token(.supervisor)
            #expect(try await app.request(.post, "/v1/tickets", token: agent, json: validTicket()).status == .created)
            #expect(try await app.request(.get, "/v1/reports/monthly?month=2026-11", token: supervisor).status == .ok)
            #expect(try await app.request(.get, "/v1/tickets", token: supervisor).items.count == 1)
            let t0 = ContinuousClock.now
            replica.set(.down)
            // The replica is gone: what reads from it answers 503; intake and the agent's reads go on.
            let report = try await app.request(.get, "/v1/reports/monthly?month=2026-11", token: supervisor)
            #expect(report.status == .serviceUnavailable, "\(report.status) \(report.body)")
            #expect(elapsed(t0) < 5, "the report took \(elapsed(t0)) s to say the replica is gone")
            #expect(try await app.request(.get, "/v1/tickets", token: supervisor).status == .serviceUnavailable)
            #expect(try await app.request(.post, "/v1/tickets", token: agent, json: validTicket(["title": "第二件"])).status == .created)
            #expect(try await app.request(.get, "/v1/tickets", token: agent).items.count == 2)
            replica.set(.up)
            var back = false
            let start = ContinuousClock.now
            for _ in 0..<100 where elapsed(start) < 20 {
                if try await app.request(.get, "/v1/tickets", token: supervisor).status == .ok { back = true; break }
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(back, "the replica's pool did not come back within 20 s")
        }
    }
}
