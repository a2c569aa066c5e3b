package sandbox

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/dop251/goja"
	"github.com/stretchr/testify/require"
)

// A PKP with an owner and a permitted address, two auth methods (one with scopes 1 and 2, one with
// scope 2 only), known under token id 0x01.
var authPKP = fakePerms{"0x01": {
	addresses: []string{"lit1owner", "lit1friend"},
	authMethods: []AuthMethod{
		{Type: 6, ID: "0x676f6f676c653a626f62", UserPubkey: ""},
		{Type: 3, ID: "0x010203", UserPubkey: "0xa5"},
	},
	scopes: map[string][]uint64{"6/google:bob": {1, 2}, "3/0x010203": {2}},
}}

// The address and auth method reads answer as Lit's do, with their arguments in the forms Lit
// takes (userId as bytes or a string, authMethodType as a number or a decimal string), and each
// read is recorded with its arguments and answer.
func TestAddressAndAuthMethodReads(t *testing.T) {
	e := env(`(async () => {
  const A = Lit.Actions;
  const out = {
    addresses: await A.getPermittedAddresses({tokenId: '0x01'}),
    friend: await A.isPermittedAddress({tokenId: '0x01', address: 'lit1friend'}),
    stranger: await A.isPermittedAddress({tokenId: '0x01', address: '0x000000000000000000000000000000000000dEaD'}),
    methods: await A.getPermittedAuthMethods({tokenId: '0x01'}),
    bob: await A.isPermittedAuthMethod({tokenId: '0x01', authMethodType: 6, userId: 'google:bob'}),
    key: await A.isPermittedAuthMethod({tokenId: '0x01', authMethodType: '3', userId: new Uint8Array([1, 2, 3])}),
    eve: await A.isPermittedAuthMethod({tokenId: '0x01', authMethodType: 6, userId: 'google:eve'}),
    bobScopes: await A.getPermittedAuthMethodScopes({tokenId: '0x01', authMethodType: 6, userId: 'google:bob', maxScopeId: 3}),
    keyScopes: await A.getPermittedAuthMethodScopes({tokenId: '0x01', authMethodType: 3, userId: [1, 2, 3], maxScopeId: 2}),
    defaultScopes: (await A.getPermittedAuthMethodScopes({tokenId: '0x01', authMethodType: 6, userId: 'google:bob'})).length,
  };
  try { await A.getPermittedAddresses({tokenId: '0x02'}) } catch (e) { out.err = String(e) }
  Lit.Actions.setResponse({response: JSON.stringify(out)});
})()`, nil)
	e.Permissions = authPKP
	res := run(t, e)
	require.Empty(t, res.Error)
	require.JSONEq(t, `{
  "addresses": ["lit1owner", "lit1friend"], "friend": true, "stranger": false,
  "methods": [{"auth_method_type": 6, "id": "0x676f6f676c653a626f62", "user_pubkey": ""},
              {"auth_method_type": 3, "id": "0x010203", "user_pubkey": "0xa5"}],
  "bob": true, "key": true, "eve": false,
  "bobScopes": [false, true, true], "keyScopes": [false, false], "defaultScopes": 100,
  "err": "TypeError: getPermittedAddresses: no such pkp"}`, res.Response)
	require.Equal(t, []PermissionRead{
		{Op: OpPermittedAddresses, TokenID: "0x01", Addresses: []string{"lit1owner", "lit1friend"}},
		{Op: OpIsPermittedAddress, TokenID: "0x01", Address: "lit1friend", Permitted: true},
		{Op: OpIsPermittedAddress, TokenID: "0x01", Address: "0x000000000000000000000000000000000000dEaD"},
		{Op: OpPermittedAuthMethods, TokenID: "0x01", AuthMethods: authPKP["0x01"].authMethods},
		{Op: OpIsPermittedAuthMethod, TokenID: "0x01", AuthMethodType: 6, UserID: "google:bob", Permitted: true},
		{Op: OpIsPermittedAuthMethod, TokenID: "0x01", AuthMethodType: 3, UserID: "0x010203", Permitted: true},
		{Op: OpIsPermittedAuthMethod, TokenID: "0x01", AuthMethodType: 6, UserID: "google:eve"},
		{Op: OpAuthMethodScopes, TokenID: "0x01", AuthMethodType: 6, UserID: "google:bob", Scopes: []uint64{1, 2}},
		{Op: OpAuthMethodScopes, TokenID: "0x01", AuthMethodType: 3, UserID: "0x010203", Scopes: []uint64{2}},
		{Op: OpAuthMethodScopes, TokenID: "0x01", AuthMethodType: 6, UserID: "google:bob", Scopes: []uint64{1, 2}},
		{Op: OpPermittedAddresses, TokenID: "0x02", Error: "no such pkp"},
	}, res.Reads)

	// The replay answers every read from the record: same digest with no state at all; code that
	// asks something else (another auth method type) fails the replay.
	live := res
	e.Permissions = &RecordedPermissions{Reads: live.Reads}
	require.Equal(t, live.Digest(), run(t, e).Digest())
	e.Code = strings.Replace(e.Code, "authMethodType: '3'", "authMethodType: 4", 1)
	e.Permissions = &RecordedPermissions{Reads: live.Reads}
	require.Contains(t, run(t, e).Error, "permission read 5 (isPermittedAuthMethod 0x01) differs from the record")
	e.Code = strings.Replace(e.Code, "address: 'lit1friend'", "address: 'lit1foe'", 1)
	e.Permissions = &RecordedPermissions{Reads: live.Reads}
	require.Contains(t, run(t, e).Error, "permission read 1 (isPermittedAddress 0x01) differs from the record")
}

// Bad arguments throw a TypeError the action can catch, before anything is read.
func TestAddressAndAuthMethodReadArguments(t *testing.T) {
	long := strings.Repeat("a", MaxUserIDBytes+1)
	for call, want := range map[string]string{
		`isPermittedAddress({tokenId: '0x01'})`:                                                            "isPermittedAddress: address is required",
		`isPermittedAddress({tokenId: '0x01', address: 7})`:                                                "isPermittedAddress: address must be a string",
		`isPermittedAddress({tokenId: '0x01', address: 'a'.repeat(129)})`:                                  "isPermittedAddress: address is longer than 128 bytes",
		`getPermittedAddresses({})`:                                                                        "getPermittedAddresses: tokenId is required",
		`getPermittedAuthMethods('0x01')`:                                                                  "getPermittedAuthMethods: expected an object argument",
		`isPermittedAuthMethod({tokenId: '0x01', userId: 'x'})`:                                            "isPermittedAuthMethod: authMethodType is required",
		`isPermittedAuthMethod({tokenId: '0x01', authMethodType: 0, userId: 'x'})`:                         "isPermittedAuthMethod: authMethodType must be a positive integer",
		`isPermittedAuthMethod({tokenId: '0x01', authMethodType: -1, userId: 'x'})`:                        "isPermittedAuthMethod: authMethodType must be a positive integer",
		`isPermittedAuthMethod({tokenId: '0x01', authMethodType: 1.5, userId: 'x'})`:                       "isPermittedAuthMethod: authMethodType must be a positive integer",
		`isPermittedAuthMethod({tokenId: '0x01', authMethodType: 'six', userId: 'x'})`:                     "isPermittedAuthMethod: authMethodType must be a positive integer",
		`isPermittedAuthMethod({tokenId: '0x01', authMethodType: '18446744073709551616', userId: 'x'})`:    "isPermittedAuthMethod: authMethodType must be a positive integer",
		`isPermittedAuthMethod({tokenId: '0x01', authMethodType: 6})`:                                      "isPermittedAuthMethod: userId is required",
		`isPermittedAuthMethod({tokenId: '0x01', authMethodType: 6, userId: ''})`:                          "isPermittedAuthMethod: userId must not be empty",
		`isPermittedAuthMethod({tokenId: '0x01', authMethodType: 6, userId: new Uint8Array(0)})`:           "isPermittedAuthMethod: userId must not be empty",
		`isPermittedAuthMethod({tokenId: '0x01', authMethodType: 6, userId: '` + long + `'})`:              "isPermittedAuthMethod: userId is longer than 512 bytes",
		`isPermittedAuthMethod({tokenId: '0x01', authMethodType: 6, userId: new Uint8Array(256)})`:         "isPermittedAuthMethod: userId is longer than 255 bytes",
		`isPermittedAuthMethod({tokenId: '0x01', authMethodType: 6, userId: {}})`:                          "isPermittedAuthMethod: userId must be a Uint8Array",
		`getPermittedAuthMethodScopes({tokenId: '0x01', authMethodType: 6, userId: 'x', maxScopeId: 257})`: "getPermittedAuthMethodScopes: maxScopeId must be an integer 0..256",
		`getPermittedAuthMethodScopes({tokenId: '0x01', authMethodType: 6, userId: 'x', maxScopeId: -1})`:  "getPermittedAuthMethodScopes: maxScopeId must be an integer 0..256",
		`getPermittedAuthMethodScopes({tokenId: '0x01', authMethodType: 6, userId: 'x', maxScopeId: '3'})`: "getPermittedAuthMethodScopes: maxScopeId must be an integer 0..256",
	} {
		e := env(`(async () => {
  let err = 'no error';
  try { await Lit.Actions.`+call+` } catch (e) { err = (e instanceof TypeError) + ' ' + e.message }
  Lit.Actions.setResponse({response: err});
})()`, nil)
		e.Permissions = authPKP
		res := run(t, e)
		require.Empty(t, res.Error, call)
		require.True(t, strings.HasPrefix(res.Response, "true "+want), "%s: %s", call, res.Response)
		require.Empty(t, res.Reads, call)
	}
	e := env(`Lit.Actions.getPermittedAuthMethods({tokenId: '0x01'})`, nil)
	require.Equal(t, "exception: unhandled rejection: TypeError: getPermittedAuthMethods: permissions are not available", run(t, e).Error)
}

// Lit.Auth carries what the chain recorded with the execution, and an action cannot change it.
func TestLitAuth(t *testing.T) {
	code := `
'use strict';
const tries = [
  () => { Lit.Auth = {}; },
  () => { delete Lit.Auth; },
  () => { Lit.Auth.authSigAddress = 'lit1me'; },
  () => { Lit.Auth.actionIpfsIds.push('QmMine'); },
  () => { Lit.Auth.authMethodContexts[0].userId = 'me'; },
  () => { Object.defineProperty(Lit, 'Auth', {value: {}}); },
];
const failed = tries.map((f) => { try { f(); return 'changed'; } catch (e) { return e instanceof TypeError; } });
Lit.Actions.setResponse({response: JSON.stringify({auth: Lit.Auth, failed, frozen: Object.isFrozen(Lit.Auth.authMethodContexts[1])})});`
	e := env(code, nil)
	e.Auth = Auth{
		ActionIPFSIDs: []string{"QmAction"}, AuthSigAddress: "lit1caller", AuthSigAddressHex: "0x00ff",
		AuthMethodContexts: []AuthMethodContext{{AuthMethodType: 6, UserID: "bob", AppID: "app", AuthMethodID: "0xab"}, {AuthMethodType: 1, UserID: "0x01"}},
	}
	res := run(t, e)
	require.Empty(t, res.Error)
	require.JSONEq(t, `{"auth": {"actionIpfsIds": ["QmAction"], "authSigAddress": "lit1caller", "authSigAddressHex": "0x00ff",
  "authMethodContexts": [{"authMethodType": 6, "userId": "bob", "appId": "app", "authMethodId": "0xab"}, {"authMethodType": 1, "userId": "0x01"}]},
  "failed": [true, true, true, true, true, true], "frozen": true}`, res.Response)

	// Sloppy mode: the writes are ignored, not thrown; the values stay.
	e.Code = `Lit.Auth = 1; Lit.Auth.authSigAddress = 'x'; Lit.Auth.actionIpfsIds[0] = 'x';
Lit.Actions.setResponse({response: Lit.Auth.authSigAddress + ' ' + Lit.Auth.actionIpfsIds[0]})`
	require.Equal(t, "lit1caller QmAction", run(t, e).Response)

	// No recorded caller: empty strings and lists, never null.
	e = env(`Lit.Actions.setResponse({response: JSON.stringify(Lit.Auth)})`, nil)
	require.JSONEq(t, `{"actionIpfsIds": [], "authSigAddress": "", "authSigAddressHex": "", "authMethodContexts": []}`, run(t, e).Response)
}

// LitAuth, the global alias of Lit.Auth that Lit's runtime provides (and ported actions read to
// authorise their caller: LitAuth.authSigAddress), is the chain's record, like Lit.Auth: jsParams,
// which any caller chooses, cannot define it (nor reach it through __proto__ or break the runtime's
// set-up with Object), and the action cannot redefine it. (Red team finding: LitAuth was unset, so a
// jsParams key of that name was the caller's forgery.)
func TestLitAuthCannotBeForged(t *testing.T) {
	code := `'use strict';
const r = [LitAuth === Lit.Auth, Object.isFrozen(LitAuth)];
try { LitAuth = {authSigAddress: 'x'}; r.push('assigned') } catch (e) { r.push(e instanceof TypeError) }
try { Object.defineProperty(globalThis, 'LitAuth', {value: {}}); r.push('redefined') } catch (e) { r.push(e instanceof TypeError) }
try { delete globalThis.LitAuth; r.push('deleted') } catch (e) { r.push(e instanceof TypeError) }
Lit.Actions.setResponse({response: r.join(',') + ' ' + LitAuth.authSigAddress + ' ' + LitAuth.actionIpfsIds[0]});`
	e := env(code, nil)
	e.Auth = Auth{ActionIPFSIDs: []string{"QmA"}, AuthSigAddress: "lit1realcaller"}
	res := run(t, e)
	require.Empty(t, res.Error)
	require.Equal(t, "true,true,true,true,true lit1realcaller QmA", res.Response)

	for params, key := range map[string]string{
		`{"LitAuth": {"authSigAddress": "lit1attacker", "actionIpfsIds": ["QmTrusted"]}}`: "LitAuth",
		`{"__proto__": {"LitAuth": {"authSigAddress": "lit1attacker"}}}`:                  "__proto__",
		`{"a": 1, "Object": 1}`: "Object",
		`{"JSON": {}}`:          "JSON",
		`{"undefined": 1}`:      "undefined",
		`{"toString": 1}`:       "toString",
	} {
		e.JSParams = params
		res := run(t, e)
		require.Equal(t, `invalid params: jsParams key "`+key+`" is reserved`, res.Error, params)
		require.Empty(t, res.Response, params)
	}
}

// Refused: an action cannot change what Lit.Auth says to code that reads it through Lit (frozen,
// non-configurable), and jsParams cannot replace Lit.
func TestLitAuthNotReplaceable(t *testing.T) {
	e := env(`'use strict';
const r = [];
try { Object.defineProperty(Lit, 'Auth', {get() { return {authSigAddress: 'x'} }}); r.push('redefined') } catch (e) { r.push('refused') }
try { Object.setPrototypeOf(Lit.Auth, {authSigAddress: 'x'}); r.push(Lit.Auth.authSigAddress) } catch (e) { r.push('refused') }
Lit.Actions.setResponse({response: r.join(',') + ' ' + Lit.Auth.authSigAddress});`, nil)
	e.Auth = Auth{AuthSigAddress: "lit1realcaller"}
	res := run(t, e)
	require.Empty(t, res.Error)
	require.Equal(t, "refused,refused lit1realcaller", res.Response)
	e.JSParams = `{"Lit": {"Auth": {"authSigAddress": "x"}}}`
	require.Equal(t, `invalid params: jsParams key "Lit" is reserved`, run(t, e).Error)
}

// The reserved names are exactly what a fresh goja runtime resolves on its global object (own and
// inherited), plus the sandbox's globals; after the set-up, every global is reserved, so no jsParams
// key can replace one. A goja upgrade that adds a global fails here until the list has it.
func TestReservedGlobals(t *testing.T) {
	names := func(vm *goja.Runtime) []string {
		v, err := vm.RunString(`(() => {
  const out = [];
  for (let o = globalThis; o !== null; o = Object.getPrototypeOf(o)) out.push(...Object.getOwnPropertyNames(o));
  return out;
})()`)
		require.NoError(t, err)
		var out []string
		require.NoError(t, vm.ExportTo(v, &out))
		slices.Sort(out)
		return slices.Compact(out)
	}
	builtins := slices.Sorted(slices.Values(builtinGlobals))
	require.Equal(t, builtins, names(goja.New()))

	s := &state{env: Env{}, lim: DefaultLimits(), vm: goja.New()}
	require.NoError(t, s.install())
	installed := names(s.vm)
	for _, k := range installed {
		require.True(t, IsReservedGlobal(k), k)
	}
	for _, k := range sandboxGlobals {
		require.Contains(t, installed, k)
	}
	require.False(t, IsReservedGlobal("number"))
	require.False(t, IsReservedGlobal("litAuth"), "names are case-sensitive, as in JavaScript")
}

// ethPersonalSignMessageEcdsa records the message as given (a string as its UTF-8, bytes as they
// are) and the kind; hashing is the chain's. Messages are bounded one by one and in all.
func TestEthPersonalSignMessageEcdsa(t *testing.T) {
	e := env(`(async () => {
  const a = await Lit.Actions.ethPersonalSignMessageEcdsa({message: 'héllo', publicKey: pub, sigName: 'a'});
  await Lit.Actions.ethPersonalSignMessageEcdsa({message: new Uint8Array([0, 255]), publicKey: pub, sigName: 'b'});
  await Lit.Actions.ethPersonalSignMessageEcdsa({message: '', publicKey: pub, sigName: 'c'});
  await Lit.Actions.signEcdsa({toSign: new Uint8Array(32), publicKey: pub, sigName: 'd'});
  Lit.Actions.setResponse({response: String(a)});
})()`, map[string]any{"pub": pubG})
	res := run(t, e)
	require.Empty(t, res.Error)
	require.Equal(t, "true", res.Response)
	require.Equal(t, []SignRequest{
		{SigName: "a", PublicKey: pubG, Kind: SignPersonalMessage, Message: []byte("héllo")},
		{SigName: "b", PublicKey: pubG, Kind: SignPersonalMessage, Message: []byte{0, 255}},
		{SigName: "c", PublicKey: pubG, Kind: SignPersonalMessage, Message: []byte{}},
		{SigName: "d", PublicKey: pubG, Kind: SignDigest, ToSign: make([]byte, 32)},
	}, res.SignRequests)

	for call, want := range map[string]string{
		`{publicKey: pub, sigName: 's'}`:                                "ethPersonalSignMessageEcdsa: message is required",
		`{message: null, publicKey: pub, sigName: 's'}`:                 "ethPersonalSignMessageEcdsa: message is required",
		`{message: 7, publicKey: pub, sigName: 's'}`:                    "ethPersonalSignMessageEcdsa: message must be a Uint8Array",
		`{message: 'x'.repeat(4097), publicKey: pub, sigName: 's'}`:     "ethPersonalSignMessageEcdsa: message is longer than 4096 bytes",
		`{message: new Uint8Array(4097), publicKey: pub, sigName: 's'}`: "ethPersonalSignMessageEcdsa: message is longer than 4096 bytes",
		`{message: 'm', publicKey: '0x04ab', sigName: 's'}`:             "ethPersonalSignMessageEcdsa: publicKey: ",
		`{message: 'm', publicKey: pub}`:                                "ethPersonalSignMessageEcdsa: sigName is required",
	} {
		e := env(`(async () => {
  let err = 'no error';
  try { await Lit.Actions.ethPersonalSignMessageEcdsa(`+call+`) } catch (e) { err = (e instanceof TypeError) + ' ' + e.message }
  Lit.Actions.setResponse({response: err});
})()`, map[string]any{"pub": pubG})
		res := run(t, e)
		require.Empty(t, res.Error, call)
		require.True(t, strings.HasPrefix(res.Response, "true "+want), "%s: %s", call, res.Response)
	}

	// Five messages of 4 KiB are more than a run may have signed (16 KiB): not catchable.
	e = env(`(async () => {
  for (let i = 0; i < 5; i++) {
    try { await Lit.Actions.ethPersonalSignMessageEcdsa({message: 'x'.repeat(4096), publicKey: pub, sigName: 's' + i}) } catch (e) {}
  }
})()`, map[string]any{"pub": pubG})
	e.Limits.MaxSignatures = 10
	res = run(t, e)
	require.Equal(t, "signature limit: messages to sign of more than 16384 bytes", res.Error)
	require.Empty(t, res.SignRequests)
}

// unavailablePerms is a validator that cannot read its state after the first read.
type unavailablePerms struct{ fakePerms }

func (unavailablePerms) PermittedAuthMethods(string) ([]AuthMethod, error) {
	return nil, fmt.Errorf("%w: height 7 is not committed", ErrUnavailable)
}

// A read the validator cannot serve (ErrUnavailable) is no answer: the action cannot catch it, nothing
// of it is recorded, and the run ends with the canonical crash, a resource failure.
func TestUnavailableReadIsACrash(t *testing.T) {
	e := env(`(async () => {
  console.log(await Lit.Actions.isPermittedAction({tokenId: '0x01', ipfsId: 'QmA'}));
  try { await Lit.Actions.getPermittedAuthMethods({tokenId: '0x01'}) } catch (e) { Lit.Actions.setResponse({response: 'caught ' + e}) }
})()`, nil)
	e.Permissions = unavailablePerms{authPKP}
	res := run(t, e)
	require.Equal(t, CrashError(), res.Error)
	require.True(t, IsResourceFailure(res.Error))
	require.Empty(t, res.Response)
	require.Empty(t, res.Reads)
	require.Empty(t, res.Logs)
}
