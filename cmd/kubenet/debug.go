package main

import (
	"encoding/json"

	"github.com/spf13/cobra"

	"github.com/kubenet/kubenet/analyzer"
	"github.com/kubenet/kubenet/rules"
)

func newDebugCmd(f *factory) *cobra.Command {
	cmd := &cobra.Command{Use: "debug", Short: "Tools for rule authors", Example: "  kubenet debug input k8s/ | jq .facts"}
	var in inputFlags
	input := &cobra.Command{
		Use:     "input [PATH...]",
		Short:   "Print the Rego input document a rule sees for these manifests",
		Long:    "Print the input document (docs/input.md) that built-in and --policy rules evaluate, as JSON.",
		Example: `  kubenet debug input examples/shop | jq '.facts.services'`,
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				args = []string{"."}
			}
			g, err := f.loadGraph(&in, args)
			if err != nil {
				return err
			}
			cluster, err := f.Cluster()
			if err != nil {
				return err
			}
			enc := json.NewEncoder(f.io.out)
			enc.SetIndent("", "  ")
			return enc.Encode(rules.NewInput(g, analyzer.New(g, cluster), cluster))
		},
	}
	in.register(input.Flags())
	cmd.AddCommand(input, newRuleCmd(f.io), newPRCommentCmd(f.io))
	return cmd
}
