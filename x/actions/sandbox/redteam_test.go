package sandbox

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// FINDING (medium): jsParams keys become globals, and only Lit, LitActions,
// fetch, console, jsParams, TextEncoder and crypto are reserved. Anyone may
// execute any action with any jsParams, so the caller can define
// `LitAuth` — the global alias of Lit.Auth that Lit's runtime provides and
// that published Lit Actions (Vincent abilities/policies, PKP tool registry
// tools) read to authorise their caller (`LitAuth.authSigAddress`,
// `LitAuth.actionIpfsIds[0]`). On litd that global is whatever the caller
// says: a ported action trusts a forged caller. The `__proto__` key does the
// same through the global object's prototype, and keys like Object or JSON
// break the prelude (the run fails before Lit exists).
func TestJSParamsForgeLitAuthFinding(t *testing.T) {
	code := `
const who = (typeof LitAuth === 'undefined') ? 'none' : LitAuth.authSigAddress;
Lit.Actions.setResponse({response: who + ' / ' + Lit.Auth.authSigAddress});`
	for _, params := range []string{
		`{"LitAuth": {"authSigAddress": "lit1attacker", "actionIpfsIds": ["QmTrusted"]}}`,
		`{"__proto__": {"LitAuth": {"authSigAddress": "lit1attacker"}}}`,
	} {
		e := env(code, nil)
		e.JSParams = params
		e.Auth = Auth{ActionIPFSIDs: []string{"QmA"}, AuthSigAddress: "lit1realcaller"}
		res := run(t, e)
		require.Empty(t, res.Error, params)
		require.Equal(t, "lit1attacker / lit1realcaller", res.Response, params)
	}
	e := env(`Lit.Actions.setResponse({response: 'ran'})`, nil)
	e.JSParams = `{"Object": 1}`
	require.Contains(t, run(t, e).Error, "prelude.js", "a jsParams key breaks the runtime's own setup")
}

// Refused: an action cannot change what Lit.Auth says to code that reads it
// through Lit (frozen, non-configurable), jsParams cannot replace Lit, and
// the prelude's natives are not reachable to swap.
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
	require.Contains(t, run(t, e).Error, "reserved")
}
