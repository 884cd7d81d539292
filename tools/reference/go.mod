// The reference analyzers' test cases the tests compare kubenet with: make tools
// downloads this module's requirements into the module cache (nothing is built).
module github.com/kubenet/kubenet/tools/reference

go 1.26.8

require github.com/np-guard/netpol-analyzer v1.4.2
