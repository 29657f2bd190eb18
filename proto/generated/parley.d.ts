import * as $protobuf from "protobufjs";
import Long = require("long");

/** Namespace parley. */
export namespace parley {

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
