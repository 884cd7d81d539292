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

// assemble merges the per-file results in order: namespaces, duplicates, indexes.
func assemble(opts Options, results []fileResult) *Graph {
	g := &Graph{Sources: map[string][]byte{}, EndpointsFor: map[string]bool{}}
	type firstSeen struct{ pos Pos }
	keys := map[string]firstSeen{}
	implied := map[string]*Namespace{}
	generated := map[string]int{}
	var order []string
	catalogue := opts.Operators
	if catalogue == nil {
		catalogue = DefaultOperators
	}
	operators := newOperatorIndex(catalogue)
	var provided []*Service
	// The last definition of an object is the one kubectl apply leaves in the cluster:
	// it is the one analysed (earlier ones are only reported as duplicates).
	last := map[string]*Object{}
	for _, r := range results {
		for _, it := range r.items {
			o := it.obj
			ns := o.Namespace
			if it.namespaced && ns == "" {
				ns = opts.DefaultNamespace
			}
			if !it.namespaced {
				ns = ""
			}
			if o.Name != "" && !o.GenerateName {
				last[canonicalGroup(o.Group(), o.Kind)+"/"+o.Kind+"/"+ns+"/"+o.Name] = o
			}
		}
	}
	for _, r := range results {
		if r.built != nil {
			for name, data := range r.built.files {
				if _, ok := g.Sources[name]; !ok {
					g.Files++
					g.Sources[name] = data
				}
			}
		} else {
			g.Files++
			g.Sources[r.name] = r.data
		}
		for _, p := range r.problems {
			if p.Object != nil {
				ref := *p.Object
				if clusterScoped[ref.Kind] {
					ref.Namespace = ""
				} else if ref.Namespace == "" {
					ref.Namespace = opts.DefaultNamespace
				}
				p.Object = &ref
			}
			g.Problems = append(g.Problems, p)
		}
		for _, it := range r.items {
			o := it.obj
			original := o
			if it.namespaced && o.Namespace == "" {
				o.Namespace = opts.DefaultNamespace
			}
			if !it.namespaced {
				o.Namespace = ""
			}
			o.ID = o.String()
			if o.GenerateName {
				// Every create makes a new object: give each its own id.
				generated[o.ID]++
				o.ID = fmt.Sprintf("%s*%d", o.ID, generated[o.ID])
			}
			op := operators.lookup(o)
			if o.Name == "" {
				op = nil // no resource to make anything of
			}
			if op != nil && it.namespaced {
				if w := operatorWorkload(op, o, it.entity); w != nil {
					it.entity, o = w, &w.Object
				}
			}
			g.Objects = append(g.Objects, o)
			key := canonicalGroup(o.Group(), o.Kind) + "/" + o.Kind + "/" + o.Namespace + "/" + o.Name
			if prev, dup := keys[key]; dup && o.Name != "" && !o.GenerateName {
				p := prev.pos
				ref := o.Ref
				g.Problems = append(g.Problems, Problem{Kind: Duplicate, Pos: o.Pos, Object: &ref, Related: &p,
					Message: fmt.Sprintf("%s is defined twice; the first definition is at %s and this one replaces it when both are applied", o.ID, p)})
				if ns, ok := it.entity.(*Namespace); ok {
					if n := implied[ns.Name]; n != nil {
						for k, v := range ns.Annotations {
							if n.Annotations == nil {
								n.Annotations = map[string]string{}
							}
							n.Annotations[k] = v
						}
					}
					continue
				}
				if last[key] != original {
					continue
				}
			} else if _, isNS := it.entity.(*Namespace); !isNS && o.Name != "" && !o.GenerateName && last[key] != original {
				// A later definition replaces this one: it is analysed instead.
				keys[key] = firstSeen{o.Pos}
				it.entity = nil
			}
			if _, dup := keys[key]; !dup {
				keys[key] = firstSeen{o.Pos}
			}
			if o.Namespace != "" {
				if _, ok := implied[o.Namespace]; !ok {
					implied[o.Namespace] = &Namespace{Name: o.Namespace, ID: "Namespace/" + o.Namespace, Pos: o.Pos,
						Labels: map[string]string{MetadataNameLabel: o.Namespace}}
					order = append(order, o.Namespace)
				}
			}
			if op != nil && it.namespaced {
				provided = append(provided, op.services(o)...)
			}
			if o.Name == "" && it.entity != nil {
				// No name: manifest-invalid already says so; nothing can refer to it, and
				// it would share its id with every other nameless object of its kind.
				it.entity = nil
			}
			switch e := it.entity.(type) {
			case *Namespace:
				if n, ok := implied[e.Name]; ok && !n.Declared {
					// A declared Namespace replaces the implied one, keeping its place.
					*n = *e
				} else if !ok {
					implied[e.Name] = e
					order = append(order, e.Name)
				}
			case *Workload:
				g.Workloads = append(g.Workloads, e)
			case *Service:
				g.Services = append(g.Services, e)
			case *Ingress:
				g.Ingresses = append(g.Ingresses, e)
			case *IngressClass:
				g.IngressClasses = append(g.IngressClasses, e)
			case *Policy:
				g.Policies = append(g.Policies, e)
			case *ConfigMap:
				g.ConfigMaps = append(g.ConfigMaps, e)
			case *Monitor:
				g.Monitors = append(g.Monitors, e)
			}
			if it.endpointsFor != "" {
				g.EndpointsFor[ID(o.Namespace, "Service", it.endpointsFor)] = true
			}
		}
	}
	for _, name := range order {
		g.Namespaces = append(g.Namespaces, implied[name])
	}
	// Services operators create, unless the input defines one of that name itself.
	defined := map[string]bool{}
	for _, s := range g.Services {
		defined[s.ID] = true
	}
	for _, s := range provided {
		if !defined[s.ID] {
			defined[s.ID] = true
			g.Services = append(g.Services, s)
		}
	}
	// Services declared outside the input, by name: they resolve, and their ports (when
	// given) are checked. Patterns only silence what they cover (see External).
	g.External = opts.External
	for _, e := range opts.External.Services {
		if e.Glob() {
			continue
		}
		s := &Service{Object: Object{Ref: Ref{APIVersion: "v1", Kind: "Service", Namespace: e.Namespace, Name: e.Name}},
			Type: "ClusterIP", Ports: []ServicePort{}, ProvidedBy: ConfigFile, PortsUnknown: len(e.Ports) == 0}
		s.ID = s.String()
		for _, p := range e.Ports {
			s.Ports = append(s.Ports, ServicePort{Protocol: "TCP", Port: p, TargetPort: IntOrString{Int: p}})
		}
		if !defined[s.ID] {
			defined[s.ID] = true
			g.Services = append(g.Services, s)
		}
	}
	g.index()
	g.injectLabels()
	return g
}

// operatorWorkload makes a custom resource an operator turns into pods a pod source
// with the labels the operator sets: it adds them to the pod labels the resource
// spells out, or makes a workload of an opaque resource (whose containers kubenet
// cannot know). It returns nil when the entity is not a workload to change.
func operatorWorkload(op *OperatorKind, o *Object, entity any) *Workload {
	if len(op.PodLabels) == 0 {
		return nil
	}
	switch e := entity.(type) {
	case *Workload:
		labels := op.podLabels(o)
		for k, v := range e.PodLabels {
			labels[k] = v
		}
		e.PodLabels = labels
		e.ExtraPodLabels = extraLabels(labels, e.specLabels)
		return e
	case nil:
		labels := op.podLabels(o)
		return &Workload{Object: *o, CustomResource: true, PodLabels: labels, PodLabelsPos: o.Pos,
			ExtraPodLabels: extraLabels(labels, o.specLabels)}
	}
	return nil
}
