/**
 * The command-line program: {@link io.gradsign.cli.Main} with the subcommands {@code demo} (the default),
 * {@code train}, {@code attack}, {@code eval} and {@code bench}, built on picocli. It talks only to
 * {@link io.gradsign.Backend}, {@link io.gradsign.nn.Network} and {@link io.gradsign.model.Fgsm},
 * so every command runs unchanged on any backend.
 */
package io.gradsign.cli;
