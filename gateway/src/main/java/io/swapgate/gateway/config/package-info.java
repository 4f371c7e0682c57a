/** The gateway's configuration ({@code swapgate.*}), read by every package that needs a setting. */
package io.swapgate.gateway.config;
