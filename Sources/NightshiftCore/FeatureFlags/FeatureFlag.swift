import Foundation

/// A feature flag (`feature_flags`): on or off, a percentage rollout, and a list of always-on users.
public struct FeatureFlag: Sendable, Hashable {
    public var id: UUID
    public var name: String
    public var description: String?
    public var enabled: Bool
    /// 0…100.
    public var rolloutPercentage: Int
    public var targetUsers: [UUID]
    public var metadata: JSONValue

    public init(
        id: UUID = UUID(), name: String, description: String? = nil, enabled: Bool = false,
        rolloutPercentage: Int = 0, targetUsers: [UUID] = [], metadata: JSONValue = [:]
    ) {
        self.id = id
        self.name = name
        self.description = description
        self.enabled = enabled
        self.rolloutPercentage = rolloutPercentage
        self.targetUsers = targetUsers
        self.metadata = metadata
    }

    /// Whether the flag is on for a user: exactly the answer of the SQL function `is_feature_enabled`.
    ///
    /// Order of the rules, as in the design: a disabled flag is off; a targeted user is on; 100 % is on for
    /// everyone; 0 % is off; otherwise the user's bucket (0…99, from `md5(user_id::text)`) must be below the
    /// percentage. The bucket depends on the user alone, so a user inside a 10 % rollout is inside every rollout
    /// of 10 % or more, of any flag: alpha ⊂ beta ⊂ GA. Without a user (nil) only targeting-free 100 % is on.
    public func isEnabled(for userID: UUID?) -> Bool {
        guard enabled else { return false }
        if let userID, targetUsers.contains(userID) { return true }
        if rolloutPercentage >= 100 { return true }
        if rolloutPercentage <= 0 { return false }
        guard let userID else { return false }
        return FeatureFlag.bucket(of: userID) < rolloutPercentage
    }

    /// The user's rollout bucket, 0…99: `abs(('x' || substr(md5(id::text), 1, 8))::bit(32)::int) % 100`,
    /// computed in 64 bits so the one hash value -2³¹ (whose 32-bit `abs` overflows in the design) is total.
    public static func bucket(of userID: UUID) -> Int {
        let digest = MD5.digest(Array(userID.canonical.utf8))
        let word = UInt32(digest[0]) << 24 | UInt32(digest[1]) << 16 | UInt32(digest[2]) << 8 | UInt32(digest[3])
        return bucket(ofHash: Int32(bitPattern: word))
    }

    /// The bucket of a 32-bit hash value, total for every input including `Int32.min`.
    public static func bucket(ofHash hash: Int32) -> Int {
        Int(abs(Int64(hash)) % 100)
    }
}
