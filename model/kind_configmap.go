package model

import (
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// ConfigMap is a v1 ConfigMap.
type ConfigMap struct {
	Object
	Data map[string]string `json:"data"`
	// DataPos maps each key to the position of its value.
	DataPos map[string]Pos `json:"dataPos"`
	// DataLine maps each key to the file line of the first line of its text (the line
	// after the "|" of a literal block), or 0 when its lines do not map to file lines
	// (folded and multi-line quoted scalars).
	DataLine map[string]int `json:"dataLine"`
}

// buildConfigMap reads a ConfigMap: its data, with the position and first line of each value.
func buildConfigMap(c *docCtx, o *Object, n *yaml.Node) entity {
	cm := &ConfigMap{Object: *o}
	c.obj = &cm.Object
	dn := val(n, "data")
	cm.Data, cm.DataPos = c.stringMapPos(dn, "data")
	if cm.Data != nil {
		cm.DataLine = make(map[string]int, len(cm.Data))
		for _, p := range pairs(dn) {
			if _, ok := cm.Data[p[0].Value]; !ok {
				continue
			}
			// Line i of the text is line DataLine+i of the file only for a literal block
			// ("|") or a one-line value; folded and quoted scalars move lines around, and
			// get 0 (their findings point at the value).
			line := cm.DataPos[p[0].Value].Line
			switch {
			case p[1].Style&yaml.LiteralStyle != 0:
				line++
			case strings.Contains(strings.TrimRight(cm.Data[p[0].Value], "\n"), "\n"):
				line = 0
			}
			cm.DataLine[p[0].Value] = line
		}
	}
	return cm
}

// object returns the ConfigMap's header.
func (cm *ConfigMap) object() *Object { return &cm.Object }

// addTo lists the ConfigMap in the graph.
func (cm *ConfigMap) addTo(a *assembly) { a.g.ConfigMaps = append(a.g.ConfigMaps, cm) }
