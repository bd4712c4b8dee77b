package amqp

// DeclareRabbitQueue exports the durable-queue declaration of the library's
// tests to the external kind tests (package amqp_test); the queues are
// deleted after the run as the library tests' are.
var DeclareRabbitQueue = declareRabbitQueue

// Proxy exports the library tests' TCP proxy, which cuts connections on
// demand, to the kind tests.
type Proxy = proxy

// NewProxy starts a Proxy to target until the test ends.
var NewProxy = newProxy
