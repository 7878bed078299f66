package dev.capstan.apiserver.service;

import com.google.protobuf.Message;
import java.util.function.Supplier;

/**
 * A reply message already in its wire form, which the network services' methods write as it is
 * (see {@link EncodedReplies}): a watch event encoded once for all its watchers, a List or a
 * written object made from the bytes the store holds. {@code decoded} gives the same reply as a
 * message, for the few who must look inside it (the audit log); it decodes on each call.
 *
 * @param bytes the encoding; never changed once made
 */
public record EncodedReply(byte[] bytes, Supplier<? extends Message> decoded) {}
