// Package amqp is the AMQP 1.0 client brick.
package amqp
