package pkp

import (
	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"

	"github.com/litprotocol/litd/x/pkp/types"
)

func pos(fields ...string) []*autocliv1.PositionalArgDescriptor {
	out := make([]*autocliv1.PositionalArgDescriptor, len(fields))
	for i, f := range fields {
		out[i] = &autocliv1.PositionalArgDescriptor{ProtoField: f}
	}
	return out
}

const scopesHelp = "--scopes takes sign-anything (Lit scope 1) and/or personal-sign (Lit scope 2, EIP-191 messages only), e.g. --scopes sign-anything."

// AutoCLIOptions declares `litd tx pkp ...` and `litd q pkp ...`.
func (AppModule) AutoCLIOptions() *autocliv1.ModuleOptions {
	return &autocliv1.ModuleOptions{
		Tx: &autocliv1.ServiceCommandDescriptor{
			Service:              types.Msg_serviceDesc.ServiceName,
			EnhanceCustomCommand: true,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{
					RpcMethod: "Mint", Use: "mint",
					Short: "Mint a PKP owned by the sender (pays the mint fee)",
					Long: "Mint a new Programmable Key Pair: a secp256k1 key derived from the network root key, held in shares by the validators. " +
						"The sender owns it and may add permissions now or later. Initial permissions are JSON, e.g.\n" +
						`  --permitted-actions '{"cid":"QmW...","scopes":["SCOPE_SIGN_ANYTHING"]}'` + "\n" +
						`  --permitted-addresses '{"address":"lit1...","scopes":["SCOPE_SIGN_ANYTHING"]}'` + "\n" +
						`  --auth-methods '{"auth_method_type":"5","id":"0xabc","scopes":["SCOPE_PERSONAL_SIGN"]}'`,
				},
				{
					RpcMethod: "MintGrantBurn", Use: "mint-grant-burn [action-cid]",
					Short: "Mint a PKP, permit exactly one Lit Action and burn it, in one transaction",
					Long: "Mint/Grant/Burn proves a key has only ever signed what one action decided: the PKP is minted, " +
						"the action (IPFS CIDv0, Qm...) is permitted with scope sign-anything, and the NFT is burned, atomically. " +
						"Nobody can ever change its permissions. Check it with `litd q pkp provenance [token-id]`.",
					PositionalArgs: pos("action_cid"),
				},
				{RpcMethod: "Transfer", Use: "transfer [token-id] [recipient]", Short: "Give a PKP to another account", PositionalArgs: pos("token_id", "recipient")},
				{RpcMethod: "Burn", Use: "burn [token-id]", Short: "Burn a PKP: no owner, permissions frozen forever, permitted actions still sign", PositionalArgs: pos("token_id")},
				{RpcMethod: "AddPermittedAction", Use: "add-permitted-action [token-id] [action-cid]", Short: "Let a Lit Action (IPFS CID) sign with a PKP", Long: scopesHelp, PositionalArgs: pos("token_id", "action_cid")},
				{RpcMethod: "RemovePermittedAction", Use: "remove-permitted-action [token-id] [action-cid]", Short: "Revoke a Lit Action's right to sign with a PKP", PositionalArgs: pos("token_id", "action_cid")},
				{RpcMethod: "AddPermittedAddress", Use: "add-permitted-address [token-id] [address]", Short: "Let an account sign with a PKP", Long: scopesHelp, PositionalArgs: pos("token_id", "address")},
				{RpcMethod: "RemovePermittedAddress", Use: "remove-permitted-address [token-id] [address]", Short: "Revoke an account's right to sign with a PKP", PositionalArgs: pos("token_id", "address")},
				{
					RpcMethod: "AddAuthMethod", Use: "add-auth-method [token-id] [auth-method-json]",
					Short: "Let an auth method (Lit type number + id) sign with a PKP",
					Long: `Example: litd tx pkp add-auth-method 0x... '{"auth_method_type":5,"id":"0xabc","user_pubkey":"","scopes":[1]}'` + "\n" +
						"A WebAuthn passkey (type 3) that may authorise signatures (sign-with-auth-method) also needs its COSE public key " +
						"and the web origins it is used from:\n" +
						`  '{"auth_method_type":3,"id":"0x<keccak256(rawId:lit)>","user_pubkey":"0xa501...","scopes":[2],` +
						`"webauthn":{"rp_id":"wallet.example","origins":["https://wallet.example"],"require_user_verification":true}}'`,
					PositionalArgs: pos("token_id", "auth_method"),
				},
				{RpcMethod: "RemoveAuthMethod", Use: "remove-auth-method [token-id] [auth-method-type] [id]", Short: "Revoke an auth method", PositionalArgs: pos("token_id", "auth_method_type", "id")},
				{RpcMethod: "AddAuthMethodScope", Use: "add-auth-method-scope [token-id] [auth-method-type] [id] [scope]", Short: "Give a permitted auth method one more scope (SCOPE_SIGN_ANYTHING or SCOPE_PERSONAL_SIGN)", PositionalArgs: pos("token_id", "auth_method_type", "id", "scope")},
				{RpcMethod: "RemoveAuthMethodScope", Use: "remove-auth-method-scope [token-id] [auth-method-type] [id] [scope]", Short: "Take a scope from a permitted auth method (not its last: remove the method instead)", PositionalArgs: pos("token_id", "auth_method_type", "id", "scope")},
				{
					RpcMethod: "SignWithAuthMethod", Use: "sign-with-auth-method [token-id] [auth-method-type] [id] [proof-json] (--digest 0x... | --message ...)",
					Short: "Request a PKP signature authorised by an auth method's proof (passkey, OIDC token or session key); the sender only submits it and pays the sign fee",
					Long: "The sender needs no permission on the PKP: the auth method's credential authorises the request. " +
						"Get the challenge with `litd q pkp auth-challenge [type] [id] sign --token-ids [token-id] --digest [digest]`, then give one proof as JSON:\n" +
						`  a passkey (navigator.credentials.get with the challenge's bytes; base64 fields): '{"webauthn":{"authenticator_data":"SZYN5Y...","client_data_json":"eyJ0eXBlIjoid2ViYXV0aG4uZ2V0Ii...","signature":"MEUCIQ..."}}'` + "\n" +
						`  an OIDC ID token whose nonce claim is the challenge (0x-hex): '{"jwt":"eyJhbGciOiJSUzI1NiIs..."}'` + "\n" +
						`  a session key's signature over sha256(challenge), r||s base64: '{"session":{"pubkey":"0x02...","signature":"..."}}'` + "\n" +
						"--digest 0x<64 hex> is signed as it is (needs scope sign-anything). --message is an EIP-191 personal_sign message, which " +
						"the chain hashes itself (scope personal-sign or sign-anything); it takes a file path, hex (no 0x) or base64, so pass text " +
						"as a file: --message <(printf 'hello'). The result's signature_id (also in EventSignedWithAuthMethod) is the x/tss " +
						"request: `litd q tss signature [id]` gives r, s, v once signed.",
					PositionalArgs: pos("token_id", "auth_method_type", "id", "proof"),
				},
				{
					RpcMethod: "AuthorizeSessionKey", Use: "authorize-session-key [auth-method-type] [id] [session-pubkey] [expires-at] [proof-json] --token-ids 0x...,0x... --capabilities sign",
					Short: "Let one passkey assertion or OIDC token authorise a short-lived secp256k1 session key for some PKPs",
					Long: "Later sign-with-auth-method requests carry the session key's signature instead of a new assertion or login. " +
						"expires-at is a unix time in seconds, at most params.max_session_seconds after the block time. Get the challenge with " +
						"`litd q pkp auth-challenge [type] [id] authorize-session --token-ids ... --session-pubkey ... --capabilities sign --expires-at ...` " +
						"and prove it with '{\"webauthn\":{...}}' or '{\"jwt\":\"...\"}'. The PKP's owner (revoke-session-key) or the auth method can revoke it.",
					PositionalArgs: pos("auth_method_type", "id", "session_pubkey", "expires_at", "proof"),
				},
				{
					RpcMethod: "RevokeSessionKey", Use: "revoke-session-key [token-id] [session-pubkey]",
					Short:          "End a session key: as the PKP's owner, or with --proof of its auth method (auth-challenge ... revoke-session)",
					PositionalArgs: pos("token_id", "session_pubkey"),
				},
				{RpcMethod: "Decrypt", Skip: true},      // `decrypt [file]` is hand-written: it opens the shares locally
				{RpcMethod: "UpdateParams", Skip: true}, // authority (gov) only
			},
		},
		Query: &autocliv1.ServiceCommandDescriptor{
			Service:              types.Query_serviceDesc.ServiceName,
			EnhanceCustomCommand: true,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{RpcMethod: "Params", Use: "params", Short: "Show the module parameters (mint fee)"},
				{RpcMethod: "PKP", Use: "pkp [token-id]", Short: "Show a PKP with its Ethereum and lit addresses", PositionalArgs: pos("token_id")},
				{RpcMethod: "PKPs", Use: "pkps", Short: "List all PKPs"},
				{RpcMethod: "PKPByPubkey", Use: "pkp-by-pubkey [pubkey]", Short: "Show a PKP by its public key (0x-hex)", PositionalArgs: pos("pubkey")},
				{RpcMethod: "PKPByEthAddress", Use: "pkp-by-eth-address [eth-address]", Short: "Show a PKP by its Ethereum address", PositionalArgs: pos("eth_address")},
				{RpcMethod: "PKPsByOwner", Use: "pkps-by-owner [owner]", Short: "List the PKPs an account owns", PositionalArgs: pos("owner")},
				{RpcMethod: "PKPsByAuthMethod", Use: "pkps-by-auth-method [auth-method-type] [id]", Short: "List the PKPs an auth method may sign with", PositionalArgs: pos("auth_method_type", "id")},
				{RpcMethod: "PKPsByAuthMethodId", Use: "pkps-by-auth-method-id [auth-method-id]", Short: "List the PKPs an auth method may sign with, by Lit's auth method id (0x-hex keccak256(abi.encode(type, id)))", PositionalArgs: pos("auth_method_id")},
				{RpcMethod: "Permissions", Use: "permissions [token-id]", Short: "Show every permitted action, address and auth method of a PKP", PositionalArgs: pos("token_id")},
				{RpcMethod: "IsPermittedAction", Use: "is-permitted-action [token-id] [action-cid]", Short: "Tell whether a Lit Action may sign with a PKP", PositionalArgs: pos("token_id", "action_cid")},
				{RpcMethod: "IsPermittedAddress", Use: "is-permitted-address [token-id] [address]", Short: "Tell whether an account may sign with a PKP (the owner always may)", PositionalArgs: pos("token_id", "address")},
				{RpcMethod: "IsPermittedAuthMethod", Use: "is-permitted-auth-method [token-id] [auth-method-type] [id]", Short: "Tell whether an auth method may act for a PKP, and with which scopes", PositionalArgs: pos("token_id", "auth_method_type", "id")},
				{RpcMethod: "UserPubkeyForAuthMethod", Use: "user-pubkey-for-auth-method [token-id] [auth-method-type] [id]", Short: "Show the user_pubkey a PKP stores with one of its auth methods", PositionalArgs: pos("token_id", "auth_method_type", "id")},
				{
					RpcMethod: "AuthChallenge", Use: "auth-challenge [auth-method-type] [id] [purpose] --token-ids 0x... [--digest 0x... | --session-pubkey 0x... ...]",
					Short: "Show the challenge an auth method's proof must sign for its next request (purpose sign, authorize-session, revoke-session, execute or decrypt)",
					Long: "A passkey signs the challenge's bytes; an OIDC token carries it (0x-hex) as its nonce claim; a session key signs sha256 of its bytes. " +
						"The digest of a personal-sign message is its EIP-191 hash (ethers.hashMessage).",
					PositionalArgs: pos("auth_method_type", "id", "purpose"),
				},
				{RpcMethod: "SessionKeys", Use: "session-keys [token-id]", Short: "List a PKP's session keys", PositionalArgs: pos("token_id")},
				{RpcMethod: "Provenance", Use: "provenance [token-id]", Short: "Was this PKP minted by Mint/Grant/Burn, and which single action may sign with it?", PositionalArgs: pos("token_id")},
			},
		},
	}
}
