module github.com/slawatch/slawatch

go 1.26.0

require (
	github.com/miekg/dns v1.1.73
	github.com/rickar/cal/v2 v2.1.13
	github.com/shopspring/decimal v1.6.0
	go.yaml.in/yaml/v3 v3.0.6
	golang.org/x/net v0.62.0
	golang.org/x/sys v0.49.0
	golang.org/x/text v0.43.0
)
