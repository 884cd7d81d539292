package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// commentMarker starts the pull request comment the Action keeps up to date.
const commentMarker = "<!-- kubenet-diff -->"

// maxCommentBody is GitHub's limit on a comment's body, in characters.
const maxCommentBody = 65536

// newPRCommentCmd is the Action's helper for its pull request comment: it reads the
// comments GitHub lists (standard input), prints the id of kubenet's own comment if
// there is one, and writes the JSON payload of the comment to post. kubenet does not
// talk to GitHub: the Action's curl does.
func newPRCommentCmd(streams *iostreams) *cobra.Command {
	var body, payload string
	cmd := &cobra.Command{
		Use:    "pr-comment --body FILE --payload FILE < comments.json",
		Short:  "Prepare the pull request comment of the GitHub Action",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			md, err := readSmall(body, 1<<20)
			if err != nil {
				return usageErr("--body: %v", err)
			}
			text := commentMarker + "\n" + string(md)
			if len(text) > maxCommentBody {
				const cut = "\n\n_The diff is too long for a comment; the job summary has all of it._\n"
				text = strings.ToValidUTF8(text[:maxCommentBody-len(cut)], "") + cut
			}
			out, err := json.Marshal(map[string]string{"body": text})
			if err != nil {
				return err
			}
			if err := os.WriteFile(payload, out, 0o644); err != nil {
				return usageErr("--payload: %v", err)
			}
			var comments []struct {
				ID   int64  `json:"id"`
				Body string `json:"body"`
				User struct {
					Type string `json:"type"`
				} `json:"user"`
			}
			data, err := io.ReadAll(io.LimitReader(streams.in, 64<<20))
			if err != nil {
				return err
			}
			if err := json.Unmarshal(data, &comments); err != nil {
				return usageErr("the comments are not GitHub's JSON list: %v", err)
			}
			for _, c := range comments {
				// Only a bot's comment is kubenet's: a person quoting the marker is not.
				if strings.HasPrefix(c.Body, commentMarker) && c.User.Type == "Bot" {
					fmt.Fprintln(streams.out, c.ID)
					return nil
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&body, "body", "", "the Markdown of the comment")
	cmd.Flags().StringVar(&payload, "payload", "", "where to write the JSON payload")
	_ = cmd.MarkFlagRequired("body")
	_ = cmd.MarkFlagRequired("payload")
	return cmd
}

// readSmall reads a regular file of at most limit bytes.
func readSmall(path string, limit int64) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() || fi.Size() > limit {
		return nil, fmt.Errorf("not a regular file of at most %d bytes", limit)
	}
	return os.ReadFile(path)
}
