package model

import "fmt"

// canonicalGroup maps the removed extensions group to the group that serves the same
// resource today: an extensions/v1beta1 Ingress and a networking.k8s.io/v1 Ingress of
// one name are one object to the API server.
func canonicalGroup(group, kind string) string {
	if group != "extensions" {
		return group
	}
	switch kind {
	case "Ingress", "NetworkPolicy":
		return "networking.k8s.io"
	case "Deployment", "DaemonSet", "ReplicaSet":
		return "apps"
	}
	return group
}

// objectKey identifies an object to the API server: group (canonical), kind, namespace
// and name. Two definitions with one key are one object.
func objectKey(o *Object, namespace string) string {
	return canonicalGroup(o.Group(), o.Kind) + "/" + o.Kind + "/" + namespace + "/" + o.Name
}

// assembly is a graph being assembled from the files' results, with what assembling
// remembers from one object to the next.
type assembly struct {
	opts Options
	g    *Graph
	// first maps the key of each object met (see objectKey) to the position of its
	// first definition, for the duplicate report.
	first map[string]Pos
	// last maps each key to the object's last definition: the one kubectl apply leaves
	// in the cluster, and so the one analysed (earlier ones are only reported as
	// duplicates).
	last map[string]*Object
	// namespaces holds the declared and implied namespaces by name; nsOrder lists
	// their names in the order they were met.
	namespaces map[string]*Namespace
	nsOrder    []string
	// generated counts the objects of each id made with generateName.
	generated map[string]int
	operators operatorIndex
	// provided are the Services operators create from the input's custom resources.
	provided []*Service
}

// evidence is an entity that is evidence about other objects rather than an object
// kubenet analyses (Endpoints back a Service). It takes no part in choosing the
// definition analysed, nor in what operators make of its object: it is added for each
// definition, named or not, except one between the first and the last definitions of
// its object (such a definition is dropped whole).
type evidence interface {
	entity
	evidence()
}

// merging is an entity whose first definition stays: a later definition of its object
// is merged into it instead of replacing it (a Namespace).
type merging interface {
	entity
	mergeInto(a *assembly)
}

// assemble merges the per-file results in order: namespaces, duplicates, indexes.
func assemble(opts Options, results []fileResult) *Graph {
	a := newAssembly(opts)
	a.findLast(results)
	for _, r := range results {
		a.addSources(r)
		a.addProblems(r.problems)
		for _, it := range r.items {
			a.add(it)
		}
	}
	a.listNamespaces()
	a.addServices(a.provided, opts.External)
	a.g.index()
	a.g.injectLabels()
	return a.g
}

// newAssembly starts an empty graph.
func newAssembly(opts Options) *assembly {
	catalogue := opts.Operators
	if catalogue == nil {
		catalogue = DefaultOperators
	}
	return &assembly{
		opts:       opts,
		g:          &Graph{Sources: map[string][]byte{}, EndpointsFor: map[string]bool{}, External: opts.External},
		first:      map[string]Pos{},
		last:       map[string]*Object{},
		namespaces: map[string]*Namespace{},
		generated:  map[string]int{},
		operators:  newOperatorIndex(catalogue),
	}
}

// namespace is the namespace an object of the given scope lives in when its manifest
// says ns: none for a cluster-scoped object, the default one when ns is empty.
func (a *assembly) namespace(ns string, namespaced bool) string {
	switch {
	case !namespaced:
		return ""
	case ns == "":
		return a.opts.DefaultNamespace
	}
	return ns
}

// findLast records the last definition of every named object.
func (a *assembly) findLast(results []fileResult) {
	for _, r := range results {
		for _, it := range r.items {
			o := it.obj
			if o.Name != "" && !o.GenerateName {
				a.last[objectKey(o, a.namespace(o.Namespace, it.namespaced))] = o
			}
		}
	}
}

// addSources counts the files of a result and keeps their contents: the file itself,
// or the source files of a kustomization's output.
func (a *assembly) addSources(r fileResult) {
	g := a.g
	if r.built == nil {
		g.Files++
		if r.onDisk != nil {
			if g.onDisk == nil {
				g.onDisk = map[string]*diskSource{}
			}
			g.onDisk[r.name] = r.onDisk
			return
		}
		g.Sources[r.name] = r.data
		return
	}
	for name, data := range r.built.files {
		_, onDisk := g.onDisk[name]
		if _, ok := g.Sources[name]; !ok && !onDisk {
			g.Files++
			g.Sources[name] = data
		}
	}
	for v, t := range r.built.via {
		if g.RenderedBy == nil {
			g.RenderedBy = map[Pos]Pos{}
		}
		if _, ok := g.RenderedBy[v]; !ok {
			g.RenderedBy[v] = t
		}
	}
}

// addProblems adds a file's problems, with the namespace of the object each concerns
// defaulted as the object's own.
func (a *assembly) addProblems(problems []Problem) {
	for _, p := range problems {
		if p.Object != nil {
			ref := *p.Object
			ref.Namespace = a.namespace(ref.Namespace, !clusterScoped[ref.Kind])
			p.Object = &ref
		}
		a.g.Problems = append(a.g.Problems, p)
	}
}

// add puts one object in the graph. It names the object (namespace and id), lets an
// operator make a pod source of it, reports a second definition, implies its namespace
// and the Services an operator makes of it, and adds its entity where it goes, unless
// a later definition replaces it.
func (a *assembly) add(it item) {
	o, e := it.obj, it.entity
	original := o
	ev, _ := e.(evidence)
	if ev != nil {
		e = nil
	}
	a.identify(o, it.namespaced)
	op := a.operator(o, it.namespaced)
	if op != nil {
		if w := operatorWorkload(op, o, e); w != nil {
			e, o = w, &w.Object
		}
	}
	a.g.Objects = append(a.g.Objects, o)
	e, keep := a.choose(o, original, e)
	if !keep {
		return
	}
	a.implyNamespace(o)
	if op != nil {
		a.provided = append(a.provided, op.services(o)...)
	}
	if e != nil && o.Name != "" {
		// Without a name, manifest-invalid says so already; nothing can refer to the
		// object, and it would share its id with every other nameless object of its kind.
		e.addTo(a)
	}
	if ev != nil {
		ev.addTo(a)
	}
}

// identify gives o its namespace and id. Every create of an object with generateName
// makes a new object, so each gets an id of its own.
func (a *assembly) identify(o *Object, namespaced bool) {
	o.Namespace = a.namespace(o.Namespace, namespaced)
	o.ID = o.String()
	if o.GenerateName {
		a.generated[o.ID]++
		o.ID = fmt.Sprintf("%s*%d", o.ID, a.generated[o.ID])
	}
}

// operator returns the catalogue entry of the operator that makes pods and Services
// of o, or nil: only a named, namespaced custom resource has one.
func (a *assembly) operator(o *Object, namespaced bool) *OperatorKind {
	if o.Name == "" || !namespaced {
		return nil
	}
	return a.operators.lookup(o)
}

// choose handles the definitions of one object. A second definition is reported as a
// duplicate; of several, the last is the one analysed (see assembly.last), but the
// first of a merging entity stays. choose returns the entity to add, nil when a later
// definition replaces this one, and keep false when the definition is dropped.
func (a *assembly) choose(o, original *Object, e entity) (entity, bool) {
	key := objectKey(o, o.Namespace)
	named := o.Name != "" && !o.GenerateName
	m, merges := e.(merging)
	if prev, dup := a.first[key]; dup && named {
		a.duplicate(o, prev)
		if merges {
			m.mergeInto(a)
			return nil, false
		}
		return e, a.last[key] == original
	}
	if !merges && named && a.last[key] != original {
		// A later definition replaces this one: it is analysed instead.
		e = nil
	}
	if _, seen := a.first[key]; !seen {
		a.first[key] = o.Pos
	}
	return e, true
}

// duplicate reports o as a second definition of the object first defined at prev.
func (a *assembly) duplicate(o *Object, prev Pos) {
	ref := o.Ref
	a.g.Problems = append(a.g.Problems, Problem{Kind: Duplicate, Pos: o.Pos, Object: &ref, Related: &prev,
		Message: fmt.Sprintf("%s is defined twice; the first definition is at %s and this one replaces it when both are applied", o.ID, prev)})
}

// addServices adds the Services that exist although the input does not define them,
// unless it defines one of that name itself: those operators create (provided), and
// those the configuration declares outside the input, by name. These resolve, and
// their ports (when given) are checked; patterns only silence what they cover (see
// External).
func (a *assembly) addServices(provided []*Service, external External) {
	defined := map[string]bool{}
	for _, s := range a.g.Services {
		defined[s.ID] = true
	}
	add := func(s *Service) {
		if !defined[s.ID] {
			defined[s.ID] = true
			a.g.Services = append(a.g.Services, s)
		}
	}
	for _, s := range provided {
		add(s)
	}
	for _, e := range external.Services {
		if e.Glob() {
			continue
		}
		s := &Service{Object: Object{Ref: Ref{APIVersion: "v1", Kind: "Service", Namespace: e.Namespace, Name: e.Name}},
			Type: "ClusterIP", Ports: []ServicePort{}, ProvidedBy: ConfigFile, PortsUnknown: len(e.Ports) == 0}
		s.ID = s.String()
		for _, p := range e.Ports {
			s.Ports = append(s.Ports, ServicePort{Protocol: "TCP", Port: p, TargetPort: IntOrString{Int: p}})
		}
		add(s)
	}
}

// operatorWorkload makes a custom resource an operator turns into pods a pod source
// with the labels the operator sets: it adds them to the pod labels the resource
// spells out, or makes a workload of an opaque resource (whose containers kubenet
// cannot know). It returns nil when the entity is not a workload to change.
func operatorWorkload(op *OperatorKind, o *Object, e entity) *Workload {
	if len(op.PodLabels) == 0 {
		return nil
	}
	if w, ok := e.(*Workload); ok {
		labels := op.podLabels(o)
		for k, v := range w.PodLabels {
			labels[k] = v
		}
		w.PodLabels = labels
		w.ExtraPodLabels = extraLabels(labels, w.specLabels)
		return w
	}
	if e == nil {
		labels := op.podLabels(o)
		return &Workload{Object: *o, CustomResource: true, PodLabels: labels, PodLabelsPos: o.Pos,
			ExtraPodLabels: extraLabels(labels, o.specLabels)}
	}
	return nil
}
