import * as $protobuf from "protobufjs";
import Long = require("long");

/** Namespace parley. */
export namespace parley {

    /** Namespace content. */
    namespace content {

        /**
         * Properties of a Content.
         * @deprecated Use parley.content.Content.$Properties instead.
         */
        interface IContent extends parley.content.Content.$Properties {
        }

        /** Represents a Content. */
        class Content {

            /**
             * Constructs a new Content.
             * @param [properties] Properties to set
             */
            constructor(properties?: parley.content.Content.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Content id. */
            id: string;

            /** Content sentAtMs. */
            sentAtMs: (number|Long);

            /** Content text. */
            text?: (parley.content.Text.$Properties|null);

            /** Content media. */
            media?: (parley.content.Media.$Properties|null);

            /** Content reaction. */
            reaction?: (parley.content.Reaction.$Properties|null);

            /** Content edit. */
            edit?: (parley.content.Edit.$Properties|null);

            /** Content delete. */
            delete?: (parley.content.Delete.$Properties|null);

            /** Content groupInfo. */
            groupInfo?: (parley.content.GroupInfo.$Properties|null);

            /** Content groupKey. */
            groupKey?: (parley.content.GroupKey.$Properties|null);

            /** Content replyTo. */
            replyTo?: (parley.content.Reply.$Properties|null);

            /** Content sentTo. */
            sentTo: string;

            /** Content group. */
            group: string;

            /** Content body. */
            body?: ("text"|"media"|"reaction"|"edit"|"delete"|"groupInfo"|"groupKey");

            /**
             * Encodes the specified Content message. Does not implicitly {@link parley.content.Content.verify|verify} messages.
             * @param message Content message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: parley.content.Content.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Content message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {parley.content.Content & parley.content.Content.$Shape} Content
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): parley.content.Content & parley.content.Content.$Shape;
        }

        namespace Content {

            /** Properties of a Content. */
            interface $Properties {

                /** Content id */
                id?: (string|null);

                /** Content sentAtMs */
                sentAtMs?: (number|Long|null);

                /** Content text */
                text?: (parley.content.Text.$Properties|null);

                /** Content media */
                media?: (parley.content.Media.$Properties|null);

                /** Content reaction */
                reaction?: (parley.content.Reaction.$Properties|null);

                /** Content edit */
                edit?: (parley.content.Edit.$Properties|null);

                /** Content delete */
                "delete"?: (parley.content.Delete.$Properties|null);

                /** Content groupInfo */
                groupInfo?: (parley.content.GroupInfo.$Properties|null);

                /** Content groupKey */
                groupKey?: (parley.content.GroupKey.$Properties|null);

                /** Content replyTo */
                replyTo?: (parley.content.Reply.$Properties|null);

                /** Content sentTo */
                sentTo?: (string|null);

                /** Content group */
                group?: (string|null);

                /** Content body */
                body?: ("text"|"media"|"reaction"|"edit"|"delete"|"groupInfo"|"groupKey");

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Narrowed shape of a Content. */
            type $Shape = {
              id?: string|null;
              sentAtMs?: number|Long|null;
              text?: parley.content.Text.$Shape|null;
              media?: parley.content.Media.$Shape|null;
              reaction?: parley.content.Reaction.$Shape|null;
              edit?: parley.content.Edit.$Shape|null;
              "delete"?: parley.content.Delete.$Shape|null;
              groupInfo?: parley.content.GroupInfo.$Shape|null;
              groupKey?: parley.content.GroupKey.$Shape|null;
              replyTo?: parley.content.Reply.$Shape|null;
              sentTo?: string|null;
              group?: string|null;
              $unknowns?: Uint8Array[];
            } & (
              ({ body?: undefined; text?: null; media?: null; reaction?: null; edit?: null; "delete"?: null; groupInfo?: null; groupKey?: null }|{ body?: "text"; text: parley.content.Text.$Shape; media?: null; reaction?: null; edit?: null; "delete"?: null; groupInfo?: null; groupKey?: null }|{ body?: "media"; text?: null; media: parley.content.Media.$Shape; reaction?: null; edit?: null; "delete"?: null; groupInfo?: null; groupKey?: null }|{ body?: "reaction"; text?: null; media?: null; reaction: parley.content.Reaction.$Shape; edit?: null; "delete"?: null; groupInfo?: null; groupKey?: null }|{ body?: "edit"; text?: null; media?: null; reaction?: null; edit: parley.content.Edit.$Shape; "delete"?: null; groupInfo?: null; groupKey?: null }|{ body?: "delete"; text?: null; media?: null; reaction?: null; edit?: null; "delete": parley.content.Delete.$Shape; groupInfo?: null; groupKey?: null }|{ body?: "groupInfo"; text?: null; media?: null; reaction?: null; edit?: null; "delete"?: null; groupInfo: parley.content.GroupInfo.$Shape; groupKey?: null }|{ body?: "groupKey"; text?: null; media?: null; reaction?: null; edit?: null; "delete"?: null; groupInfo?: null; groupKey: parley.content.GroupKey.$Shape })
            );
        }

        /**
         * Properties of a GroupInfo.
         * @deprecated Use parley.content.GroupInfo.$Properties instead.
         */
        interface IGroupInfo extends parley.content.GroupInfo.$Properties {
        }

        /** Represents a GroupInfo. */
        class GroupInfo {

            /**
             * Constructs a new GroupInfo.
             * @param [properties] Properties to set
             */
            constructor(properties?: parley.content.GroupInfo.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** GroupInfo name. */
            name: string;

            /** GroupInfo picture. */
            picture?: (parley.content.Media.$Properties|null);

            /** GroupInfo updatedAtMs. */
            updatedAtMs: (number|Long);

            /**
             * Encodes the specified GroupInfo message. Does not implicitly {@link parley.content.GroupInfo.verify|verify} messages.
             * @param message GroupInfo message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: parley.content.GroupInfo.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a GroupInfo message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {parley.content.GroupInfo & parley.content.GroupInfo.$Shape} GroupInfo
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): parley.content.GroupInfo & parley.content.GroupInfo.$Shape;
        }

        namespace GroupInfo {

            /** Properties of a GroupInfo. */
            interface $Properties {

                /** GroupInfo name */
                name?: (string|null);

                /** GroupInfo picture */
                picture?: (parley.content.Media.$Properties|null);

                /** GroupInfo updatedAtMs */
                updatedAtMs?: (number|Long|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a GroupInfo. */
            type $Shape = parley.content.GroupInfo.$Properties;
        }

        /**
         * Properties of a GroupKey.
         * @deprecated Use parley.content.GroupKey.$Properties instead.
         */
        interface IGroupKey extends parley.content.GroupKey.$Properties {
        }

        /** Represents a GroupKey. */
        class GroupKey {

            /**
             * Constructs a new GroupKey.
             * @param [properties] Properties to set
             */
            constructor(properties?: parley.content.GroupKey.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** GroupKey distribution. */
            distribution: Uint8Array;

            /** GroupKey info. */
            info?: (parley.content.GroupInfo.$Properties|null);

            /**
             * Encodes the specified GroupKey message. Does not implicitly {@link parley.content.GroupKey.verify|verify} messages.
             * @param message GroupKey message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: parley.content.GroupKey.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a GroupKey message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {parley.content.GroupKey & parley.content.GroupKey.$Shape} GroupKey
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): parley.content.GroupKey & parley.content.GroupKey.$Shape;
        }

        namespace GroupKey {

            /** Properties of a GroupKey. */
            interface $Properties {

                /** GroupKey distribution */
                distribution?: (Uint8Array|null);

                /** GroupKey info */
                info?: (parley.content.GroupInfo.$Properties|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a GroupKey. */
            type $Shape = parley.content.GroupKey.$Properties;
        }

        /**
         * Properties of a Text.
         * @deprecated Use parley.content.Text.$Properties instead.
         */
        interface IText extends parley.content.Text.$Properties {
        }

        /** Represents a Text. */
        class Text {

            /**
             * Constructs a new Text.
             * @param [properties] Properties to set
             */
            constructor(properties?: parley.content.Text.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Text text. */
            text: string;

            /**
             * Encodes the specified Text message. Does not implicitly {@link parley.content.Text.verify|verify} messages.
             * @param message Text message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: parley.content.Text.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Text message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {parley.content.Text & parley.content.Text.$Shape} Text
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): parley.content.Text & parley.content.Text.$Shape;
        }

        namespace Text {

            /** Properties of a Text. */
            interface $Properties {

                /** Text text */
                text?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Text. */
            type $Shape = parley.content.Text.$Properties;
        }

        /**
         * Properties of a Media.
         * @deprecated Use parley.content.Media.$Properties instead.
         */
        interface IMedia extends parley.content.Media.$Properties {
        }

        /** Represents a Media. */
        class Media {

            /**
             * Constructs a new Media.
             * @param [properties] Properties to set
             */
            constructor(properties?: parley.content.Media.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Media kind. */
            kind: parley.content.Media.Kind;

            /** Media url. */
            url: string;

            /** Media mediaKey. */
            mediaKey: Uint8Array;

            /** Media fileSha256. */
            fileSha256: Uint8Array;

            /** Media encryptedSha256. */
            encryptedSha256: Uint8Array;

            /** Media size. */
            size: (number|Long);

            /** Media mimeType. */
            mimeType: string;

            /** Media fileName. */
            fileName: string;

            /** Media caption. */
            caption: string;

            /** Media width. */
            width: number;

            /** Media height. */
            height: number;

            /** Media durationMs. */
            durationMs: number;

            /** Media thumbnail. */
            thumbnail: Uint8Array;

            /**
             * Encodes the specified Media message. Does not implicitly {@link parley.content.Media.verify|verify} messages.
             * @param message Media message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: parley.content.Media.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Media message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {parley.content.Media & parley.content.Media.$Shape} Media
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): parley.content.Media & parley.content.Media.$Shape;
        }

        namespace Media {

            /** Properties of a Media. */
            interface $Properties {

                /** Media kind */
                kind?: (parley.content.Media.Kind|null);

                /** Media url */
                url?: (string|null);

                /** Media mediaKey */
                mediaKey?: (Uint8Array|null);

                /** Media fileSha256 */
                fileSha256?: (Uint8Array|null);

                /** Media encryptedSha256 */
                encryptedSha256?: (Uint8Array|null);

                /** Media size */
                size?: (number|Long|null);

                /** Media mimeType */
                mimeType?: (string|null);

                /** Media fileName */
                fileName?: (string|null);

                /** Media caption */
                caption?: (string|null);

                /** Media width */
                width?: (number|null);

                /** Media height */
                height?: (number|null);

                /** Media durationMs */
                durationMs?: (number|null);

                /** Media thumbnail */
                thumbnail?: (Uint8Array|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Media. */
            type $Shape = parley.content.Media.$Properties;

            /** Kind enum. */
            enum Kind {

                /** KIND_UNSPECIFIED value */
                KIND_UNSPECIFIED = 0,

                /** IMAGE value */
                IMAGE = 1,

                /** VIDEO value */
                VIDEO = 2,

                /** AUDIO value */
                AUDIO = 3,

                /** DOCUMENT value */
                DOCUMENT = 4
            }
        }

        /**
         * Properties of a Reaction.
         * @deprecated Use parley.content.Reaction.$Properties instead.
         */
        interface IReaction extends parley.content.Reaction.$Properties {
        }

        /** Represents a Reaction. */
        class Reaction {

            /**
             * Constructs a new Reaction.
             * @param [properties] Properties to set
             */
            constructor(properties?: parley.content.Reaction.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Reaction targetId. */
            targetId: string;

            /** Reaction targetSender. */
            targetSender: string;

            /** Reaction emoji. */
            emoji: string;

            /**
             * Encodes the specified Reaction message. Does not implicitly {@link parley.content.Reaction.verify|verify} messages.
             * @param message Reaction message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: parley.content.Reaction.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Reaction message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {parley.content.Reaction & parley.content.Reaction.$Shape} Reaction
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): parley.content.Reaction & parley.content.Reaction.$Shape;
        }

        namespace Reaction {

            /** Properties of a Reaction. */
            interface $Properties {

                /** Reaction targetId */
                targetId?: (string|null);

                /** Reaction targetSender */
                targetSender?: (string|null);

                /** Reaction emoji */
                emoji?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Reaction. */
            type $Shape = parley.content.Reaction.$Properties;
        }

        /**
         * Properties of a Reply.
         * @deprecated Use parley.content.Reply.$Properties instead.
         */
        interface IReply extends parley.content.Reply.$Properties {
        }

        /** Represents a Reply. */
        class Reply {

            /**
             * Constructs a new Reply.
             * @param [properties] Properties to set
             */
            constructor(properties?: parley.content.Reply.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Reply targetId. */
            targetId: string;

            /** Reply targetSender. */
            targetSender: string;

            /** Reply quotedText. */
            quotedText: string;

            /**
             * Encodes the specified Reply message. Does not implicitly {@link parley.content.Reply.verify|verify} messages.
             * @param message Reply message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: parley.content.Reply.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Reply message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {parley.content.Reply & parley.content.Reply.$Shape} Reply
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): parley.content.Reply & parley.content.Reply.$Shape;
        }

        namespace Reply {

            /** Properties of a Reply. */
            interface $Properties {

                /** Reply targetId */
                targetId?: (string|null);

                /** Reply targetSender */
                targetSender?: (string|null);

                /** Reply quotedText */
                quotedText?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Reply. */
            type $Shape = parley.content.Reply.$Properties;
        }

        /**
         * Properties of an Edit.
         * @deprecated Use parley.content.Edit.$Properties instead.
         */
        interface IEdit extends parley.content.Edit.$Properties {
        }

        /** Represents an Edit. */
        class Edit {

            /**
             * Constructs a new Edit.
             * @param [properties] Properties to set
             */
            constructor(properties?: parley.content.Edit.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Edit targetId. */
            targetId: string;

            /** Edit text. */
            text?: (parley.content.Text.$Properties|null);

            /**
             * Encodes the specified Edit message. Does not implicitly {@link parley.content.Edit.verify|verify} messages.
             * @param message Edit message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: parley.content.Edit.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an Edit message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {parley.content.Edit & parley.content.Edit.$Shape} Edit
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): parley.content.Edit & parley.content.Edit.$Shape;
        }

        namespace Edit {

            /** Properties of an Edit. */
            interface $Properties {

                /** Edit targetId */
                targetId?: (string|null);

                /** Edit text */
                text?: (parley.content.Text.$Properties|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of an Edit. */
            type $Shape = parley.content.Edit.$Properties;
        }

        /**
         * Properties of a Delete.
         * @deprecated Use parley.content.Delete.$Properties instead.
         */
        interface IDelete extends parley.content.Delete.$Properties {
        }

        /** Represents a Delete. */
        class Delete {

            /**
             * Constructs a new Delete.
             * @param [properties] Properties to set
             */
            constructor(properties?: parley.content.Delete.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Delete targetId. */
            targetId: string;

            /**
             * Encodes the specified Delete message. Does not implicitly {@link parley.content.Delete.verify|verify} messages.
             * @param message Delete message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: parley.content.Delete.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Delete message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {parley.content.Delete & parley.content.Delete.$Shape} Delete
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): parley.content.Delete & parley.content.Delete.$Shape;
        }

        namespace Delete {

            /** Properties of a Delete. */
            interface $Properties {

                /** Delete targetId */
                targetId?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Delete. */
            type $Shape = parley.content.Delete.$Properties;
        }
    }

    /** Namespace v1. */
    namespace v1 {

        /**
         * Properties of a ClientHello.
         * @deprecated Use parley.v1.ClientHello.$Properties instead.
         */
        interface IClientHello extends parley.v1.ClientHello.$Properties {
        }

        /** Represents a ClientHello. */
        class ClientHello {

            /**
             * Constructs a new ClientHello.
             * @param [properties] Properties to set
             */
            constructor(properties?: parley.v1.ClientHello.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** ClientHello networkId. */
            networkId: string;

            /** ClientHello deviceId. */
            deviceId: string;

            /** ClientHello providerToken. */
            providerToken: string;

            /** ClientHello clientVersion. */
            clientVersion: string;

            /** ClientHello stanzaBatches. */
            stanzaBatches: boolean;

            /**
             * Encodes the specified ClientHello message. Does not implicitly {@link parley.v1.ClientHello.verify|verify} messages.
             * @param message ClientHello message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: parley.v1.ClientHello.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a ClientHello message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {parley.v1.ClientHello & parley.v1.ClientHello.$Shape} ClientHello
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): parley.v1.ClientHello & parley.v1.ClientHello.$Shape;
        }

        namespace ClientHello {

            /** Properties of a ClientHello. */
            interface $Properties {

                /** ClientHello networkId */
                networkId?: (string|null);

                /** ClientHello deviceId */
                deviceId?: (string|null);

                /** ClientHello providerToken */
                providerToken?: (string|null);

                /** ClientHello clientVersion */
                clientVersion?: (string|null);

                /** ClientHello stanzaBatches */
                stanzaBatches?: (boolean|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a ClientHello. */
            type $Shape = parley.v1.ClientHello.$Properties;
        }

        /**
         * Properties of a ServerHello.
         * @deprecated Use parley.v1.ServerHello.$Properties instead.
         */
        interface IServerHello extends parley.v1.ServerHello.$Properties {
        }

        /** Represents a ServerHello. */
        class ServerHello {

            /**
             * Constructs a new ServerHello.
             * @param [properties] Properties to set
             */
            constructor(properties?: parley.v1.ServerHello.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** ServerHello certificate. */
            certificate?: (parley.v1.ServerCertificate.$Properties|null);

            /** ServerHello serverTimeMs. */
            serverTimeMs: (number|Long);

            /**
             * Encodes the specified ServerHello message. Does not implicitly {@link parley.v1.ServerHello.verify|verify} messages.
             * @param message ServerHello message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: parley.v1.ServerHello.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a ServerHello message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {parley.v1.ServerHello & parley.v1.ServerHello.$Shape} ServerHello
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): parley.v1.ServerHello & parley.v1.ServerHello.$Shape;
        }

        namespace ServerHello {

            /** Properties of a ServerHello. */
            interface $Properties {

                /** ServerHello certificate */
                certificate?: (parley.v1.ServerCertificate.$Properties|null);

                /** ServerHello serverTimeMs */
                serverTimeMs?: (number|Long|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a ServerHello. */
            type $Shape = parley.v1.ServerHello.$Properties;
        }

        /**
         * Properties of a ServerCertificate.
         * @deprecated Use parley.v1.ServerCertificate.$Properties instead.
         */
        interface IServerCertificate extends parley.v1.ServerCertificate.$Properties {
        }

        /** Represents a ServerCertificate. */
        class ServerCertificate {

            /**
             * Constructs a new ServerCertificate.
             * @param [properties] Properties to set
             */
            constructor(properties?: parley.v1.ServerCertificate.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** ServerCertificate details. */
            details: Uint8Array;

            /** ServerCertificate signature. */
            signature: Uint8Array;

            /**
             * Encodes the specified ServerCertificate message. Does not implicitly {@link parley.v1.ServerCertificate.verify|verify} messages.
             * @param message ServerCertificate message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: parley.v1.ServerCertificate.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a ServerCertificate message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {parley.v1.ServerCertificate & parley.v1.ServerCertificate.$Shape} ServerCertificate
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): parley.v1.ServerCertificate & parley.v1.ServerCertificate.$Shape;
        }

        namespace ServerCertificate {

            /** Properties of a ServerCertificate. */
            interface $Properties {

                /** ServerCertificate details */
                details?: (Uint8Array|null);

                /** ServerCertificate signature */
                signature?: (Uint8Array|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a ServerCertificate. */
            type $Shape = parley.v1.ServerCertificate.$Properties;
        }

        /**
         * Properties of a CertificateDetails.
         * @deprecated Use parley.v1.CertificateDetails.$Properties instead.
         */
        interface ICertificateDetails extends parley.v1.CertificateDetails.$Properties {
        }

        /** Represents a CertificateDetails. */
        class CertificateDetails {

            /**
             * Constructs a new CertificateDetails.
             * @param [properties] Properties to set
             */
            constructor(properties?: parley.v1.CertificateDetails.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** CertificateDetails staticKey. */
            staticKey: Uint8Array;

            /** CertificateDetails issuer. */
            issuer: string;

            /** CertificateDetails notBeforeMs. */
            notBeforeMs: (number|Long);

            /** CertificateDetails notAfterMs. */
            notAfterMs: (number|Long);

            /**
             * Encodes the specified CertificateDetails message. Does not implicitly {@link parley.v1.CertificateDetails.verify|verify} messages.
             * @param message CertificateDetails message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: parley.v1.CertificateDetails.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a CertificateDetails message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {parley.v1.CertificateDetails & parley.v1.CertificateDetails.$Shape} CertificateDetails
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): parley.v1.CertificateDetails & parley.v1.CertificateDetails.$Shape;
        }

        namespace CertificateDetails {

            /** Properties of a CertificateDetails. */
            interface $Properties {

                /** CertificateDetails staticKey */
                staticKey?: (Uint8Array|null);

                /** CertificateDetails issuer */
                issuer?: (string|null);

                /** CertificateDetails notBeforeMs */
                notBeforeMs?: (number|Long|null);

                /** CertificateDetails notAfterMs */
                notAfterMs?: (number|Long|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a CertificateDetails. */
            type $Shape = parley.v1.CertificateDetails.$Properties;
        }

        /**
         * Properties of a Control.
         * @deprecated Use parley.v1.Control.$Properties instead.
         */
        interface IControl extends parley.v1.Control.$Properties {
        }

        /** Represents a Control. */
        class Control {

            /**
             * Constructs a new Control.
             * @param [properties] Properties to set
             */
            constructor(properties?: parley.v1.Control.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Control ping. */
            ping?: (parley.v1.Ping.$Properties|null);

            /** Control pong. */
            pong?: (parley.v1.Pong.$Properties|null);

            /** Control ready. */
            ready?: (parley.v1.Ready.$Properties|null);

            /** Control error. */
            error?: (parley.v1.Error.$Properties|null);

            /** Control kind. */
            kind?: ("ping"|"pong"|"ready"|"error");

            /**
             * Encodes the specified Control message. Does not implicitly {@link parley.v1.Control.verify|verify} messages.
             * @param message Control message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: parley.v1.Control.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Control message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {parley.v1.Control & parley.v1.Control.$Shape} Control
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): parley.v1.Control & parley.v1.Control.$Shape;
        }

        namespace Control {

            /** Properties of a Control. */
            interface $Properties {

                /** Control ping */
                ping?: (parley.v1.Ping.$Properties|null);

                /** Control pong */
                pong?: (parley.v1.Pong.$Properties|null);

                /** Control ready */
                ready?: (parley.v1.Ready.$Properties|null);

                /** Control error */
                error?: (parley.v1.Error.$Properties|null);

                /** Control kind */
                kind?: ("ping"|"pong"|"ready"|"error");

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Narrowed shape of a Control. */
            type $Shape = {
              ping?: parley.v1.Ping.$Shape|null;
              pong?: parley.v1.Pong.$Shape|null;
              ready?: parley.v1.Ready.$Shape|null;
              error?: parley.v1.Error.$Shape|null;
              $unknowns?: Uint8Array[];
            } & (
              ({ kind?: undefined; ping?: null; pong?: null; ready?: null; error?: null }|{ kind?: "ping"; ping: parley.v1.Ping.$Shape; pong?: null; ready?: null; error?: null }|{ kind?: "pong"; ping?: null; pong: parley.v1.Pong.$Shape; ready?: null; error?: null }|{ kind?: "ready"; ping?: null; pong?: null; ready: parley.v1.Ready.$Shape; error?: null }|{ kind?: "error"; ping?: null; pong?: null; ready?: null; error: parley.v1.Error.$Shape })
            );
        }

        /**
         * Properties of a Ping.
         * @deprecated Use parley.v1.Ping.$Properties instead.
         */
        interface IPing extends parley.v1.Ping.$Properties {
        }

        /** Represents a Ping. */
        class Ping {

            /**
             * Constructs a new Ping.
             * @param [properties] Properties to set
             */
            constructor(properties?: parley.v1.Ping.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Ping id. */
            id: number;

            /**
             * Encodes the specified Ping message. Does not implicitly {@link parley.v1.Ping.verify|verify} messages.
             * @param message Ping message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: parley.v1.Ping.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Ping message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {parley.v1.Ping & parley.v1.Ping.$Shape} Ping
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): parley.v1.Ping & parley.v1.Ping.$Shape;
        }

        namespace Ping {

            /** Properties of a Ping. */
            interface $Properties {

                /** Ping id */
                id?: (number|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Ping. */
            type $Shape = parley.v1.Ping.$Properties;
        }

        /**
         * Properties of a Pong.
         * @deprecated Use parley.v1.Pong.$Properties instead.
         */
        interface IPong extends parley.v1.Pong.$Properties {
        }

        /** Represents a Pong. */
        class Pong {

            /**
             * Constructs a new Pong.
             * @param [properties] Properties to set
             */
            constructor(properties?: parley.v1.Pong.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Pong id. */
            id: number;

            /**
             * Encodes the specified Pong message. Does not implicitly {@link parley.v1.Pong.verify|verify} messages.
             * @param message Pong message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: parley.v1.Pong.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Pong message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {parley.v1.Pong & parley.v1.Pong.$Shape} Pong
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): parley.v1.Pong & parley.v1.Pong.$Shape;
        }

        namespace Pong {

            /** Properties of a Pong. */
            interface $Properties {

                /** Pong id */
                id?: (number|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Pong. */
            type $Shape = parley.v1.Pong.$Properties;
        }

        /**
         * Properties of a Ready.
         * @deprecated Use parley.v1.Ready.$Properties instead.
         */
        interface IReady extends parley.v1.Ready.$Properties {
        }

        /** Represents a Ready. */
        class Ready {

            /**
             * Constructs a new Ready.
             * @param [properties] Properties to set
             */
            constructor(properties?: parley.v1.Ready.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Ready sessionId. */
            sessionId: string;

            /** Ready serverTimeMs. */
            serverTimeMs: (number|Long);

            /** Ready stanzaBatches. */
            stanzaBatches: boolean;

            /**
             * Encodes the specified Ready message. Does not implicitly {@link parley.v1.Ready.verify|verify} messages.
             * @param message Ready message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: parley.v1.Ready.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Ready message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {parley.v1.Ready & parley.v1.Ready.$Shape} Ready
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): parley.v1.Ready & parley.v1.Ready.$Shape;
        }

        namespace Ready {

            /** Properties of a Ready. */
            interface $Properties {

                /** Ready sessionId */
                sessionId?: (string|null);

                /** Ready serverTimeMs */
                serverTimeMs?: (number|Long|null);

                /** Ready stanzaBatches */
                stanzaBatches?: (boolean|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Ready. */
            type $Shape = parley.v1.Ready.$Properties;
        }

        /**
         * Properties of an Error.
         * @deprecated Use parley.v1.Error.$Properties instead.
         */
        interface IError extends parley.v1.Error.$Properties {
        }

        /** Represents an Error. */
        class Error {

            /**
             * Constructs a new Error.
             * @param [properties] Properties to set
             */
            constructor(properties?: parley.v1.Error.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Error code. */
            code: string;

            /** Error message. */
            message: string;

            /**
             * Encodes the specified Error message. Does not implicitly {@link parley.v1.Error.verify|verify} messages.
             * @param message Error message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: parley.v1.Error.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an Error message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {parley.v1.Error & parley.v1.Error.$Shape} Error
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): parley.v1.Error & parley.v1.Error.$Shape;
        }

        namespace Error {

            /** Properties of an Error. */
            interface $Properties {

                /** Error code */
                code?: (string|null);

                /** Error message */
                message?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of an Error. */
            type $Shape = parley.v1.Error.$Properties;
        }
    }
}
