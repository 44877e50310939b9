import Foundation
import NightshiftCore
import NightshiftStore
import NightshiftTestSupport
import Testing

@Suite("Feature flag evaluator")
struct FeatureFlagEvaluatorTests {
    @Test("the bucket is total, including the one hash whose 32-bit abs overflows")
    func bucketIsTotal() {
        #expect(FeatureFlag.bucket(ofHash: Int32.min) == 48)  // |-2^31| = 2147483648
        #expect(FeatureFlag.bucket(ofHash: Int32.max) == 47)
        #expect(FeatureFlag.bucket(ofHash: -1) == 1)
        #expect(FeatureFlag.bucket(ofHash: 0) == 0)
    }

    @Test("a user inside a rollout is inside every larger rollout (alpha ⊂ beta ⊂ GA)")
    func nestedRollouts() {
        var generator = SeededRandom(seed: 7)
        for _ in 0..<2000 {
            let user = generator.uuid()
            var previous = false
            for percentage in [0, 1, 10, 25, 50, 75, 99, 100] {
                let on = FeatureFlag(name: "f", enabled: true, rolloutPercentage: percentage).isEnabled(for: user)
                #expect(!previous || on)
                previous = on
            }
        }
    }

    @Test("rollout is fair: 10 % of 10,000 users is 10 % ± 1")
    func fairRollout() {
        var generator = SeededRandom(seed: 42)
        let flag = FeatureFlag(name: "alpha", enabled: true, rolloutPercentage: 10)
        let enabled = (0..<10_000).filter { _ in flag.isEnabled(for: generator.uuid()) }.count
        #expect((900...1100).contains(enabled), "\(enabled) of 10,000")
    }

    @Test("disabled flags, targets, 0 % and 100 % follow the design's order of rules")
    func ruleOrder() {
        let user = UUID()
        #expect(!FeatureFlag(name: "f", enabled: false, rolloutPercentage: 100, targetUsers: [user]).isEnabled(for: user))
        #expect(FeatureFlag(name: "f", enabled: true, rolloutPercentage: 0, targetUsers: [user]).isEnabled(for: user))
        #expect(!FeatureFlag(name: "f", enabled: true, rolloutPercentage: 0).isEnabled(for: user))
        #expect(FeatureFlag(name: "f", enabled: true, rolloutPercentage: 100).isEnabled(for: nil))
        #expect(!FeatureFlag(name: "f", enabled: true, rolloutPercentage: 99).isEnabled(for: nil))
    }

    @Test("MD5 matches the reference vectors (PostgreSQL's md5)")
    func md5() {
        #expect(MD5.hex("") == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(MD5.hex("abc") == "900150983cd24fb0d6963f7d28e17f72")
        #expect(MD5.hex("The quick brown fox jumps over the lazy dog") == "9e107d9d372bb6826bd81d3542a419d6")
        #expect(MD5.hex(String(repeating: "a", count: 1000)) == "cabe45dcc9ae5b66ba86600cca6b8ba8")
    }
}

@Suite("Feature flags: Swift and SQL agree", .enabled(if: TestEnvironment.postgresEnabled))
struct FeatureFlagParityTests {
    @Test("is_feature_enabled and the Swift evaluator agree on 10,000 users × 6 rollouts × 2 target lists")
    func parity() async throws {
        try await withFreshStore(.postgres) { store in
            let postgres = try #require(store as? PostgresStore)
            var generator = SeededRandom(seed: 2026)
            let users = (0..<10_000).map { _ in generator.uuid() }
            let targets = Array(users.prefix(150)) + [UUID()]
            var compared = 0
            var disagreements = 0
            for percentage in [0, 1, 10, 50, 99, 100] {
                for targetUsers in [[], targets] {
                    let flag = FeatureFlag(
                        name: "parity_flag", enabled: true, rolloutPercentage: percentage, targetUsers: targetUsers)
                    try await store.saveFlag(flag)
                    let rows = try await postgres.pool.query(
                        "select u, public.is_feature_enabled('parity_flag', u) from unnest(\(users)::uuid[]) as u")
                    #expect(rows.count == users.count)
                    for row in rows {
                        let user = try row.decode(0, as: UUID.self)
                        if try row.decode(1, as: Bool.self) != flag.isEnabled(for: user) { disagreements += 1 }
                        compared += 1
                    }
                }
            }
            #expect(compared == 120_000)
            #expect(disagreements == 0)
            // NULL user: false (the design returned NULL), except for a 100 % rollout.
            #expect(try await store.isFeatureEnabled("parity_flag", userID: nil))
            // The overflow case, in SQL: the design's abs() of -2^31 fails, the fixed expression is total.
            let fixed = try await postgres.pool.query(
                "select abs(('x' || '80000000')::bit(32)::int::bigint) % 100").first
            #expect(try fixed?.decode(0, as: Int.self) == FeatureFlag.bucket(ofHash: Int32.min))
            await #expect(throws: PGError.self) {
                try await postgres.pool.query("select abs(('x' || '80000000')::bit(32)::int) % 100")
            }
        }
    }

    @Test("MD5.hex is PostgreSQL's md5(text) on every length around the block boundaries and on non-ASCII text")
    func md5MatchesSQL() async throws {
        try await withFreshStore(.postgres) { store in
            let postgres = try #require(store as? PostgresStore)
            var generator = SeededRandom(seed: 5)
            let texts = (0..<130).map { length in String(repeating: "ab", count: length / 2) + (length % 2 == 1 ? "é" : "") }
                + ["", "Grüße, 世界 🌙", generator.uuid().canonical]
            let rows = try await postgres.pool.query(
                "select t, md5(t) from unnest(\(texts)::text[]) with ordinality as x(t, n) order by n")
            #expect(rows.count == texts.count)
            for row in rows {
                let text = try row.decode(0, as: String.self)
                #expect(try row.decode(1, as: String.self) == MD5.hex(text), "md5 of \(text.utf8.count) bytes")
            }
        }
    }
}
