package app

import (
	"context"
	"fmt"

	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	"github.com/cosmos/cosmos-sdk/types/module"
	upgradetypes "github.com/cosmos/cosmos-sdk/x/upgrade/types"
)

// UpgradeName is the software upgrade this release carries a handler for: a
// governance plan with this name, once its height is reached, runs
// upgradeHandler and the chain goes on; a plan with any other name halts
// every node at its height ("UPGRADE "<name>" NEEDED at height") until the
// operators switch to a binary that has a handler for it.
//
// The next release fills in the name (and store changes); tests build an
// older binary without a handler with
// -ldflags "-X github.com/litprotocol/litd/app.UpgradeName=".
var UpgradeName = "v0.2.0"

// storeUpgrades are the stores the upgrade named UpgradeName adds, renames
// or deletes; none yet.
var storeUpgrades = storetypes.StoreUpgrades{}

// setUpgrades registers the upgrade handler and, when this binary starts at
// the height its upgrade was planned for, the store loader that applies
// storeUpgrades first. Without a home (the CLI's throwaway app) there is no
// upgrade-info.json to read: reading it would create ./data.
func (app *App) setUpgrades(home string) {
	if UpgradeName == "" {
		return
	}
	app.UpgradeKeeper.SetUpgradeHandler(UpgradeName, app.upgradeHandler)
	if home == "" {
		return
	}
	plan, err := app.UpgradeKeeper.ReadUpgradeInfoFromDisk()
	if err != nil {
		panic(fmt.Errorf("reading upgrade-info.json: %w", err))
	}
	if plan.Name == UpgradeName && !app.UpgradeKeeper.IsSkipHeight(plan.Height) {
		app.SetStoreLoader(upgradetypes.UpgradeStoreLoader(plan.Height, &storeUpgrades))
	}
}

// upgradeHandler runs the modules' registered state migrations from the
// versions the chain was at to this binary's.
func (app *App) upgradeHandler(ctx context.Context, plan upgradetypes.Plan, fromVM module.VersionMap) (module.VersionMap, error) {
	app.Logger().Info("applying upgrade", "name", plan.Name, "height", plan.Height)
	return app.ModuleManager.RunMigrations(ctx, app.configurator, fromVM)
}
