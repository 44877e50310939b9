import Crypto
import Foundation
import NightshiftCore
import _CryptoExtras

/// A JWS signature algorithm Nightshift verifies; `none` and every other name are refused.
public enum JWTAlgorithm: String, Sendable, Hashable, CaseIterable {
    /// HMAC with SHA-256 over the project's JWT secret (Supabase's legacy signing).
    case hs256 = "HS256"
    /// RSASSA-PKCS1-v1_5 with SHA-256, keys from a JWKS.
    case rs256 = "RS256"
    /// ECDSA on P-256 with SHA-256, keys from a JWKS (Supabase's asymmetric signing keys).
    case es256 = "ES256"
}

/// One public verification key of a JWKS: an RSA or P-256 key with its `kid` and the one algorithm it verifies.
///
/// Symmetric (`oct`) keys are never read from a JWKS: the HMAC secret comes from configuration only, so no key
/// published for asymmetric verification can ever be used as an HMAC secret.
public struct JSONWebKey: Sendable {
    /// The key material, already parsed and checked.
    public enum Material: Sendable {
        /// An RSA public key of at least 2048 bits.
        case rsa(_RSA.Signing.PublicKey)
        /// A P-256 public key.
        case p256(P256.Signing.PublicKey)
    }

    /// The `kid` member, if any.
    public var id: String?
    /// The algorithm this key verifies: its `alg` member, or the one its `kty` implies.
    public var algorithm: JWTAlgorithm
    /// The public key.
    public var material: Material

    /// A key from its parts; the algorithm must fit the material (RS256 for RSA, ES256 for P-256).
    public init(id: String?, material: Material) {
        self.id = id
        self.material = material
        switch material {
        case .rsa: algorithm = .rs256
        case .p256: algorithm = .es256
        }
    }

    /// Parses one JWK object; nil when it is not a usable signature-verification key for RS256 or ES256.
    public init?(jwk: [String: JSONValue]) {
        if let use = jwk["use"], use.stringValue != "sig" { return nil }
        if let operations = jwk["key_ops"] {
            guard let list = operations.arrayValue, list.contains(where: { $0.stringValue == "verify" }) else {
                return nil
            }
        }
        let declared: JWTAlgorithm?
        if let alg = jwk["alg"] {
            guard let name = alg.stringValue, let known = JWTAlgorithm(rawValue: name) else { return nil }
            declared = known
        } else {
            declared = nil
        }
        let id: String?
        if let kid = jwk["kid"] {
            guard let text = kid.stringValue else { return nil }
            id = text
        } else {
            id = nil
        }
        switch jwk["kty"]?.stringValue {
        case "RSA":
            guard declared == nil || declared == .rs256,
                let n = jwk["n"]?.stringValue.flatMap(Base64URL.decode),
                let e = jwk["e"]?.stringValue.flatMap(Base64URL.decode),
                let key = try? _RSA.Signing.PublicKey(n: n, e: e)
            else { return nil }
            self.init(id: id, material: .rsa(key))
        case "EC":
            guard declared == nil || declared == .es256, jwk["crv"]?.stringValue == "P-256",
                let x = jwk["x"]?.stringValue.flatMap(Base64URL.decode),
                let y = jwk["y"]?.stringValue.flatMap(Base64URL.decode), x.count == 32, y.count == 32,
                let key = try? P256.Signing.PublicKey(rawRepresentation: x + y)
            else { return nil }
            self.init(id: id, material: .p256(key))
        default:
            return nil
        }
    }

    /// Whether `signature` is this key's signature of `input` under `algorithm`; false for any other algorithm.
    public func isValidSignature(_ signature: [UInt8], for input: [UInt8], algorithm: JWTAlgorithm) -> Bool {
        guard algorithm == self.algorithm else { return false }
        switch material {
        case .rsa(let key):
            let digest = Crypto.SHA256.hash(data: input)
            return key.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature), for: digest, padding: .insecurePKCS1v1_5)
        case .p256(let key):
            // JWS carries ECDSA signatures as the raw 32-byte r and s, not DER.
            guard signature.count == 64,
                let parsed = try? P256.Signing.ECDSASignature(rawRepresentation: signature)
            else { return false }
            return key.isValidSignature(parsed, for: input)
        }
    }
}

/// A JWK Set (`{"keys": [...]}`): the usable keys, and how many members were skipped as unusable.
public struct JSONWebKeySet: Sendable {
    /// The RS256 and ES256 verification keys of the document.
    public var keys: [JSONWebKey]
    /// Members that are not RS256 / ES256 signature keys (other types, encryption keys, malformed entries).
    public var skipped: Int

    /// A set of already-parsed keys.
    public init(keys: [JSONWebKey], skipped: Int = 0) {
        self.keys = keys
        self.skipped = skipped
    }

    /// Parses a JWKS document; throws `NightshiftError(.format)` when it is not a JSON object with a `keys` array.
    public init(json: String) throws {
        try self.init(data: Data(json.utf8))
    }

    /// Parses a JWKS document from its bytes.
    public init(data: Data) throws {
        let document: JSONValue
        do {
            document = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw NightshiftError(.format, "malformed JWKS document", cause: error)
        }
        guard let members = document["keys"]?.arrayValue else {
            throw NightshiftError(.format, "JWKS document has no keys array")
        }
        var keys: [JSONWebKey] = []
        var skipped = 0
        for member in members {
            if let object = member.objectValue, let key = JSONWebKey(jwk: object) {
                keys.append(key)
            } else {
                skipped += 1
            }
        }
        self.init(keys: keys, skipped: skipped)
    }

    /// The keys that may verify a token with this `kid` and `alg`: the key with that `kid`, or, for a token
    /// without `kid`, every key of the algorithm.
    public func candidates(keyID: String?, algorithm: JWTAlgorithm) -> [JSONWebKey] {
        keys.filter { key in
            guard key.algorithm == algorithm else { return false }
            guard let keyID else { return true }
            return key.id == keyID
        }
    }
}
