#ifndef BATON_CRABBITMQ_SHIM_H
#define BATON_CRABBITMQ_SHIM_H

#include <amqp.h>
#include <amqp_tcp_socket.h>

/// `amqp_login` is variadic (it takes the SASL PLAIN user and password as `...`); Swift cannot call C
/// variadic functions, so this fixed-arity wrapper forwards them.
static inline amqp_rpc_reply_t baton_amqp_login_plain(amqp_connection_state_t state, char const *vhost,
                                                      int channel_max, int frame_max, int heartbeat,
                                                      char const *user, char const *password) {
    return amqp_login(state, vhost, channel_max, frame_max, heartbeat, AMQP_SASL_METHOD_PLAIN, user, password);
}

/// `amqp_login_with_properties` is variadic too; it is the only way to advertise client capabilities
/// (`connection.blocked`, `consumer_cancel_notify`) in the client properties table.
static inline amqp_rpc_reply_t baton_amqp_login_plain_with_properties(amqp_connection_state_t state,
                                                                      char const *vhost, int channel_max,
                                                                      int frame_max, int heartbeat,
                                                                      amqp_table_t const *properties,
                                                                      char const *user, char const *password) {
    return amqp_login_with_properties(state, vhost, channel_max, frame_max, heartbeat, properties,
                                      AMQP_SASL_METHOD_PLAIN, user, password);
}

#endif
