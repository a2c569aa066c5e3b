// Validates Keplr ChainInfo files with Keplr's own validator: the
// validateBasicChainInfoType that the extension's ChainsService.suggestChainInfo
// applies to what window.keplr.experimentalSuggestChain receives
// (chainapsis/keplr-wallet packages/background/src/chains/service.ts).
// Unknown keys are errors here (stripUnknown false), where Keplr would drop
// them silently: a misspelt key must fail the test, not vanish in the wallet.
//
// usage: node check.js chain-info.json...   (exit 1 if any file is rejected)
"use strict";

const fs = require("fs");
const { validateBasicChainInfoType } = require("@keplr-wallet/chain-validator");

(async () => {
  let rejected = false;
  for (const file of process.argv.slice(2)) {
    try {
      await validateBasicChainInfoType(JSON.parse(fs.readFileSync(file, "utf8")), false);
      console.log(`${file}: ok`);
    } catch (e) {
      rejected = true;
      console.log(`${file}: ${e.message}`);
    }
  }
  process.exit(rejected ? 1 : 0);
})();
