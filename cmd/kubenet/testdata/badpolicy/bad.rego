# METADATA
# title: A rule without a severity
package kubenet.rules["no-severity"]

report contains {"object": "x", "pos": {"file": "f", "line": 1}, "message": "m"} if false
