/// The PyJWT fixture generator, kept in a Swift file because the test target declares no resources.
///
/// The live cross-check test pipes it to `python3 - --json` when PyJWT is installed. To regenerate the committed
/// `PyJWTFixtures.swift` (fresh keys and tokens), from the repository root:
///
///     cd Tests/NightshiftServerTests/Auth
///     awk '/^ *"""#$/{f=0} f{sub(/^        /, ""); print} /= #"""$/{f=1}' PyJWTScript.swift \
///         | python3 - --swift > PyJWTFixtures.swift
enum PyJWTScript {
    static let source = #"""
        """Tokens made by PyJWT with fresh keys, and the key material that made them.

        --json prints them as one JSON object (the live cross-check reads it); --swift prints PyJWTFixtures.swift.
        Needs: pip install pyjwt cryptography
        """
        import json
        import sys

        import jwt
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec, rsa
        from jwt.algorithms import ECAlgorithm, RSAAlgorithm

        SECRET = "pyjwt-fixture-secret-0123456789-abcdefghijklmnop"
        OTHER_SECRET = "another-secret-that-is-not-the-project-secret-42"
        USER = "5b0c6a0e-7d4f-4c1e-9a53-2f1c3b8d9e01"
        ISSUER = "https://nightshift-test.supabase.co/auth/v1"
        IAT = 1_700_000_000   # 2023-11-14
        FAR = 4_102_444_800   # 2100-01-01

        rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        rsa_other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        ec_key = ec.generate_private_key(ec.SECP256R1())


        def pem(key):
            return key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ).decode()


        def jwk(public_key, algorithm, kid, alg):
            member = json.loads(algorithm.to_jwk(public_key))
            member.update({"kid": kid, "alg": alg, "use": "sig"})
            return member


        jwks = {
            "keys": [
                jwk(rsa_key.public_key(), RSAAlgorithm, "rsa-1", "RS256"),
                jwk(ec_key.public_key(), ECAlgorithm, "ec-1", "ES256"),
                # Members Nightshift must skip: a symmetric key and an encryption key.
                {"kty": "oct", "kid": "hmac-1", "k": "c2VjcmV0", "alg": "HS256"},
                {**jwk(rsa_other.public_key(), RSAAlgorithm, "enc-1", "RS256"), "use": "enc"},
            ]
        }


        def claims(**extra):
            base = {
                "sub": USER, "role": "authenticated", "aud": "authenticated", "email": "ada@example.com",
                "iat": IAT, "exp": FAR, "iss": ISSUER, "session_id": "b4c8c0f5-0000-4000-8000-000000000001",
                "app_metadata": {"provider": "email"},
            }
            base.update(extra)
            return {k: v for k, v in base.items() if v is not None}


        tokens = {
            "hs256Valid": jwt.encode(claims(), SECRET, algorithm="HS256"),
            "rs256Valid": jwt.encode(claims(), rsa_key, algorithm="RS256", headers={"kid": "rsa-1"}),
            "es256Valid": jwt.encode(claims(), ec_key, algorithm="ES256", headers={"kid": "ec-1"}),
            "hs256AudienceArray": jwt.encode(claims(aud=["storage", "authenticated"]), SECRET, algorithm="HS256"),
            "hs256Expired": jwt.encode(claims(exp=IAT + 3600), SECRET, algorithm="HS256"),
            "es256NotYetValid": jwt.encode(claims(nbf=FAR - 60), ec_key, algorithm="ES256", headers={"kid": "ec-1"}),
            "hs256WrongAudience": jwt.encode(claims(aud="someone-else"), SECRET, algorithm="HS256"),
            "hs256WrongSecret": jwt.encode(claims(), OTHER_SECRET, algorithm="HS256"),
            "rs256WrongKey": jwt.encode(claims(), rsa_other, algorithm="RS256", headers={"kid": "rsa-1"}),
            "rs256UnknownKid": jwt.encode(claims(), rsa_key, algorithm="RS256", headers={"kid": "rsa-9"}),
            "hs256NonUUIDSubject": jwt.encode(claims(sub="user-42"), SECRET, algorithm="HS256"),
            # Supabase's service-role and anon keys: no sub, no aud, issuer "supabase".
            "hs256ServiceRoleKey": jwt.encode(
                {"iss": "supabase", "ref": "nightshifttest", "role": "service_role", "iat": IAT, "exp": FAR},
                SECRET, algorithm="HS256"),
            "hs256AnonKey": jwt.encode(
                {"iss": "supabase", "ref": "nightshifttest", "role": "anon", "iat": IAT, "exp": FAR},
                SECRET, algorithm="HS256"),
            "unsignedNone": jwt.encode(claims(), None, algorithm="none"),
        }

        # Each token must verify with PyJWT itself as the fixture says, or the fixture is wrong.
        jwt.decode(tokens["hs256Valid"], SECRET, algorithms=["HS256"], audience="authenticated")
        jwt.decode(tokens["rs256Valid"], rsa_key.public_key(), algorithms=["RS256"], audience="authenticated")
        jwt.decode(tokens["es256Valid"], ec_key.public_key(), algorithms=["ES256"], audience="authenticated")

        fixture = {
            "pyjwtVersion": jwt.__version__, "secret": SECRET, "otherSecret": OTHER_SECRET, "user": USER,
            "issuer": ISSUER, "issuedAt": IAT, "farExpiry": FAR, "jwks": json.dumps(jwks, sort_keys=True),
            "rsaPrivateKeyPEM": pem(rsa_key), "ecPrivateKeyPEM": pem(ec_key), "tokens": tokens,
        }


        def literal(text, indent, width=100):
            """A Swift string expression; long texts become joined pieces so lines stay under 120 columns."""
            if len(json.dumps(text)) <= width:
                return json.dumps(text)
            pieces, piece = [], ""
            for char in text:
                if len(json.dumps(piece + char)) > width:
                    pieces.append(piece)
                    piece = ""
                piece += char
            pieces.append(piece)
            pad = " " * indent
            return "[\n" + "".join("%s    %s,\n" % (pad, json.dumps(p)) for p in pieces) + pad + "].joined()"


        def swift():
            lines = [
                "// Generated with PyJWT %s by the script in PyJWTScript.swift (see there); do not edit by hand."
                % jwt.__version__,
                "// Test keys only: they protect nothing.",
                "",
                "/// Tokens made by PyJWT, with the secret and keys that made them.",
                "enum PyJWTFixtures {",
            ]
            for name in ["pyjwtVersion", "secret", "otherSecret", "user", "issuer", "jwks"]:
                lines.append("    static let %s = %s" % (name, literal(fixture[name], 4)))
            lines.append("    /// When the tokens were issued (`iat`), seconds since 1970.")
            lines.append("    static let issuedAt: Double = %d" % IAT)
            lines.append("    /// `exp` of the long-lived tokens, seconds since 1970.")
            lines.append("    static let farExpiry: Double = %d" % FAR)
            for name in ["rsaPrivateKeyPEM", "ecPrivateKeyPEM"]:
                indented = "".join("        " + line + "\n" for line in fixture[name].splitlines())
                lines.append('    static let %s = """\n%s        """' % (name, indented))
            lines.append("    static let tokens: [String: String] = [")
            for name, token in tokens.items():
                lines.append("        %s: %s," % (json.dumps(name), literal(token, 8)))
            lines.append("    ]")
            lines.append("}")
            return "\n".join(lines) + "\n"


        if "--swift" in sys.argv:
            sys.stdout.write(swift())
        else:
            sys.stdout.write(json.dumps(fixture))
        """#
}
