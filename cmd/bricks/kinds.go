package main

import (
	"fmt"
	"strings"

	"github.com/bricksmq/bricks/actors"
	"github.com/spf13/cobra"
)

// kindsCmd prints the reference of the registered actor kinds.
var kindsCmd = &cobra.Command{
	Use:   "kinds [KIND...]",
	Short: "List the actor kinds a tree may use, with every with: key",
	Long: "kinds prints, for every registered kind (or the ones named), the keys its\n" +
		"with: block accepts: type, default or required, description, allowed values.",
	RunE: func(cmd *cobra.Command, args []string) error {
		kinds := actors.Kinds()
		if len(args) > 0 {
			kinds = kinds[:0:0]
			for _, name := range args {
				k, ok := actors.Lookup(name)
				if !ok {
					return fmt.Errorf("unknown kind %q (registered: %s)", name, strings.Join(actors.KindNames(), ", "))
				}
				kinds = append(kinds, k)
			}
		}
		if len(kinds) == 0 {
			fmt.Fprintln(cmd.OutOrStdout(), "no kinds registered")
			return nil
		}
		return actors.WriteReference(cmd.OutOrStdout(), kinds)
	},
}

func init() {
	rootCmd.AddCommand(kindsCmd)
}
