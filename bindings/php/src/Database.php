<?php

declare(strict_types=1);

namespace Libcs;

use FFI;
use FFI\CData;
use Libcs\Exception\DatabaseClosed;
use Libcs\Exception\InvalidArgument;
use Libcs\Exception\LibcsException;

/**
 * An open libcs database: one handle, with cs_call() underneath everything.
 *
 * call('ticket.create', [...]) runs any method of the JSON interface (docs/api.md) and
 * returns the decoded response; every method is also a PHP method named in camelCase
 * (ticketCreate([...]), slaPolicyList()), found in the list of methods the loaded library
 * reports. A request is an array of fields (or named arguments); DateTimeInterface values
 * are sent as ISO 8601 times. Every failure throws a Libcs\Exception\LibcsException
 * subclass for its status.
 *
 * Who acts is set by the host from its own session: asCustomer($id), asAgent($id),
 * asSystem() (the default). A request never changes it.
 *
 * The handle closes on close() or when the object is destroyed; a closed Database throws
 * DatabaseClosed instead of reaching the library.
 *
 * The methods of the JSON interface (bin/libcs-docblock writes this list):
 * @generated-methods-begin
 * @method array version(array $request = []) The library's version, the schema version it writes and the database's.
 * @method array dbSetActor(array $request = []) Requires kind. Act as someone else on this handle (the system only; hosts use cs_db_set_actor()).
 * @method array settingGet(array $request = []) Requires name. Read a database-wide setting.
 * @method array settingSet(array $request = []) Requires name, value. Change a database-wide setting.
 * @method array methods(array $request = []) Describe every method (or the one named): its request and answer as JSON Schema, the capability it needs and how far that reaches for each role.
 * @method array organizationCreate(array $request = []) Requires name. Create an organisation; shared_tickets lets its members see each other's tickets.
 * @method array customerCreate(array $request = []) Requires name. Create a customer with its identities.
 * @method array customerGet(array $request = []) Requires id. Read a customer.
 * @method array customerFind(array $request = []) Requires kind, value. Find the customer who has an identity (the value is normalised first).
 * @method array customerUpdate(array $request = []) Requires id. Change a customer's fields; what is not given stays.
 * @method array customerList(array $request = []) List customers by id, a page at a time (next_after continues).
 * @method array customerAddIdentity(array $request = []) Requires id, kind, value. Add an identity to a customer.
 * @method array customerRemoveIdentity(array $request = []) Requires id, kind, value. Remove an identity from a customer.
 * @method array customerMerge(array $request = []) Requires survivor_id, merged_id. Merge one customer into another: identities, tickets and tags move to the survivor.
 * @method array customerUnmerge(array $request = []) Requires merge_id. Undo a merge: what moved goes back.
 * @method array customerExport(array $request = []) Requires id. Everything stored about a customer: record, identities, tickets with messages, audit.
 * @method array customerErase(array $request = []) Requires id. Erase a customer's personal data everywhere, keeping anonymous statistics.
 * @method array channelCreate(array $request = []) Requires kind, name. Create a channel: where customers write from and replies go out.
 * @method array channelGet(array $request = []) Requires id. Read a channel.
 * @method array channelUpdate(array $request = []) Requires id. Change a channel's fields; its kind is fixed.
 * @method array channelList(array $request = []) Every channel, in id order.
 * @method array agentCreate(array $request = []) Requires name. Create an agent (a member of the support team) with a role and skills.
 * @method array agentGet(array $request = []) Requires id. Read an agent.
 * @method array agentFind(array $request = []) Requires email. Find the agent with an email (compared without case).
 * @method array agentUpdate(array $request = []) Requires id. Change an agent's fields; what is not given stays.
 * @method array groupCreate(array $request = []) Requires name. Create a group of agents (a queue).
 * @method array groupAddAgent(array $request = []) Requires group_id, agent_id. Make an agent a member of a group.
 * @method array groupRemoveAgent(array $request = []) Requires group_id, agent_id. Take an agent out of a group.
 * @method array customFieldDefine(array $request = []) Requires object, name. Define (or redefine) a custom field of tickets or customers: its type and whether customers may write it.
 * @method array customFieldRemove(array $request = []) Requires object, name. Remove a custom field's definition.
 * @method array customFieldList(array $request = []) The custom-field definitions, of one object or both.
 * @method array ticketCreate(array $request = []) Requires subject, customer_id. Open a ticket for a customer (messages come in through ingest).
 * @method array ticketGet(array $request = []) Read a ticket by id or number, with its messages when asked.
 * @method array ticketUpdate(array $request = []) Requires id. Change a ticket's fields; a status change must be one the workflow allows.
 * @method array ticketList(array $request = []) List the tickets the actor may see, filtered, a page at a time (next_after continues).
 * @method array ticketMerge(array $request = []) Requires target_id, source_id. Merge a ticket into another of the same customer: its messages move to the target.
 * @method array reply(array $request = []) Requires ticket_id, body. Answer the customer: the reply is stored and queued in the outbox on the channel they last wrote on (or the one named).
 * @method array messageCreate(array $request = []) Requires ticket_id, body. Add a message to a ticket (an internal note with visibility "internal"); nothing is sent: replies go out through reply.
 * @method array messageList(array $request = []) Requires ticket_id. A ticket's messages as the actor may read them, oldest first.
 * @method array ingest(array $request = []) Requires channel_id, sender, body. Take in a customer's message: thread it onto a ticket or open one, and send the receipt.
 * @method array ingestMail(array $request = []) Requires channel_id. Parse a raw mail received on an email channel and ingest it, or record it as a bounce.
 * @method array receiptConfigure(array $request = []) Requires channel_id, mode. Set when a channel sends receipts and the first reply they promise without an SLA.
 * @method array receiptSetTemplate(array $request = []) Requires channel_id, language. Set or reset a channel's receipt text for a language.
 * @method array outboxClaim(array $request = []) Lease up to max due outbox items, optionally of one channel kind or channel.
 * @method array outboxAck(array $request = []) Requires id, lease. Mark a leased outbox item as sent, keeping the channel's id for the message.
 * @method array outboxFail(array $request = []) Requires id, lease. Record a failed send of a leased outbox item and when to retry it.
 * @method array outboxList(array $request = []) List outbox items, optionally in one state.
 * @method array outboxItemMime(array $request = []) Requires id. Render a claimed mail item as the complete RFC 5322 mail to send.
 * @method array replyChannelStats(array $request = []) Requires from, to. Count the agents' public replies in a period that went out on the customer's latest channel.
 * @method array auditList(array $request = []) List the audit trail of a ticket, a customer or another object, oldest first.
 * @method array calendarStore(array $request = []) Requires name. Store a calendar under a unique name, replacing one of that name.
 * @method array calendarGet(array $request = []) Read a calendar.
 * @method array calendarAddSeconds(array $request = []) Requires time, seconds. Add business seconds to a time (negative: go back).
 * @method array calendarSecondsBetween(array $request = []) Requires from, to. Count the business seconds between two times.
 * @method array calendarIsOpen(array $request = []) Requires time. Tell whether a calendar is open at a time, and when it next opens.
 * @method array slaPolicyCreate(array $request = []) Requires name. Create an SLA policy: when it applies and the targets it sets.
 * @method array slaPolicyGet(array $request = []) Requires id. Read an SLA policy.
 * @method array slaPolicyUpdate(array $request = []) Requires id. Change an SLA policy; conditions and targets given replace all.
 * @method array slaPolicyDelete(array $request = []) Requires id. Delete an SLA policy, cancelling its running clocks.
 * @method array slaPolicyList(array $request = []) List the SLA policies in the order they apply.
 * @method array slaStatus(array $request = []) Requires ticket_id. Read a ticket's SLA clocks.
 * @method array slaEventList(array $request = []) Requires ticket_id. List a ticket's SLA events, oldest first.
 * @method array slaQueue(array $request = []) List open tickets by their earliest running SLA deadline, then those without one.
 * @method array tick(array $request = []) Record the SLA warnings and breaches due by now, each once.
 * @method array routeSetPresence(array $request = []) Requires agent_id, presence. Set an agent's presence.
 * @method array routeSetCapacity(array $request = []) Requires agent_id, channel_kind, capacity. Set how many open tickets of a channel kind an agent takes at once.
 * @method array routeAgentGet(array $request = []) Requires agent_id. Read an agent's presence, capacities and load.
 * @method array routeGroupSet(array $request = []) Requires group_id. Set a group's assignment strategy and language matching, or read them.
 * @method array routeAssign(array $request = []) Requires ticket_id. Assign a ticket to an agent by its group's strategy.
 * @method array routeNext(array $request = []) Requires agent_id. Assign the next ticket to an agent and answer it, or an id of null when there is none.
 * @method array routeCallbackCreate(array $request = []) Requires customer_id, window_from, window_to. Open a ticket for calling a customer back within a time window.
 * @method array routeEstimatedWait(array $request = []) Requires group_id, channel_kind. Estimate the wait in seconds for a new contact in a group.
 * @method array routeReport(array $request = []) Requires from, to. Count transfers and first-contact resolutions of the tickets solved in a period.
 * @method array routeStaffing(array $request = []) Requires from, to. Compute the agents each hour of the day needs to reach a service level.
 * @generated-methods-end
 */
class Database
{
    /** The file, as given to the constructor. */
    public readonly string $path;

    private FFI $ffi;
    /** The cs_db * cell cs_db_open() filled in; null once closed. */
    private ?CData $cell = null;

    /** @var array<string, string>|null camelCase name => method, for __call */
    private static ?array $byCamelName = null;

    /**
     * Open (by default create) a database file. With $readOnly the file must exist and
     * every change fails with ReadOnlyDatabase; $create does not apply. With $relaxed,
     * commits do not wait for the disk: a power failure can undo the latest (CS_OPEN_RELAXED).
     */
    public function __construct(
        string $path,
        bool $create = true,
        bool $readOnly = false,
        bool $relaxed = false,
    ) {
        $this->path = $path;
        $this->ffi = Native::ffi();
        if ($readOnly) {
            $flags = Native::OPEN_READONLY;
        } else {
            $flags = $create ? Native::OPEN_CREATE : Native::OPEN_READWRITE;
        }
        if ($relaxed) {
            $flags |= Native::OPEN_RELAXED;
        }
        $cell = $this->ffi->new('cs_db *[1]');
        $this->check($this->ffi->cs_db_open($cell, self::cText($path, 'path'), $flags));
        $this->cell = $cell;
    }

    /** The same as new Database(...). */
    public static function open(
        string $path,
        bool $create = true,
        bool $readOnly = false,
        bool $relaxed = false,
    ): static {
        return new static($path, $create, $readOnly, $relaxed);
    }

    /** The loaded library's version ("0.2.0"). */
    public static function libraryVersion(): string
    {
        return Native::ffi()->cs_version(null, null, null);
    }

    // -- the handle -------------------------------------------------------------------

    /** Close the handle; an open transaction is rolled back. Closing twice is fine. */
    public function close(): void
    {
        $cell = $this->cell;
        $this->cell = null;
        if ($cell !== null) {
            $this->ffi->cs_db_close($cell[0]);
        }
    }

    public function isClosed(): bool
    {
        return $this->cell === null;
    }

    public function __destruct()
    {
        $this->close();
    }

    /** A copy would close the one handle twice. */
    public function __clone()
    {
        $this->cell = null; // the copy is destroyed at once: it must not close the handle
        throw new \LogicException('a Database cannot be copied: open another one');
    }

    // -- who acts -----------------------------------------------------------------------

    /** Act as the host program itself (the default): everything is allowed. */
    public function asSystem(): static
    {
        return $this->setActor(Native::ACTOR_SYSTEM, 0);
    }

    /** Act as an agent of the host's own session, with the rights of its role. */
    public function asAgent(int $agentId): static
    {
        return $this->setActor(Native::ACTOR_AGENT, $agentId);
    }

    /** Act as a logged-in customer: only its own tickets, never internal notes. */
    public function asCustomer(int $customerId): static
    {
        return $this->setActor(Native::ACTOR_CUSTOMER, $customerId);
    }

    private function setActor(int $kind, int $id): static
    {
        $this->check($this->ffi->cs_db_set_actor($this->handle(), $kind, $id));
        return $this;
    }

    // -- the JSON interface -------------------------------------------------------------

    /**
     * Run one method of the JSON interface and return its decoded response (JSON objects
     * as arrays with string keys).
     *
     * @param array<string, mixed> $request the request's fields; null is JSON null, a
     *        DateTimeInterface an ISO 8601 time, an empty array []: give an empty JSON
     *        object below the top level as new \stdClass()
     * @return array<string, mixed>
     * @throws LibcsException for the status libcs answered
     */
    public function call(string $method, array $request = []): array
    {
        $name = self::cText($method, 'method');
        $json = self::encode($request);
        $out = $this->ffi->new('char *[1]');
        $status = $this->ffi->cs_call($out, $this->handle(), $name, $json);
        if (FFI::isNull($out[0])) { // only when libcs ran out of memory
            throw $this->lastError();
        }
        try {
            $text = FFI::string($out[0]);
        } finally {
            $this->ffi->cs_str_free($out[0]);
        }
        $response = json_decode($text, true, 512, JSON_THROW_ON_ERROR | JSON_BIGINT_AS_STRING);
        if ($status < 0) {
            $e = $response['error'];
            throw LibcsException::fromCode($e['code'], $e['message'], $e['field'], $status);
        }
        return $response;
    }

    /**
     * Every method of the JSON interface by its camelCase name: ticketCreate([...]) is
     * call('ticket.create', [...]). Fields come as one array, as named arguments
     * (ticketGet(id: 5)), or both.
     *
     * @param array<int|string, mixed> $arguments
     * @return array<string, mixed>
     */
    public function __call(string $name, array $arguments): array
    {
        $method = self::methodFor($name);
        if ($method === null) {
            throw new \BadMethodCallException(
                'Call to undefined method ' . static::class . "::$name(): libcs has no such method"
            );
        }
        $request = [];
        foreach ($arguments as $key => $value) {
            if (is_string($key)) {
                $request[$key] = $value;
            } elseif ($key === 0 && is_array($value)) {
                $request = $value + $request;
            } else {
                throw new \ArgumentCountError(
                    static::class . "::$name() takes one array of fields, or named arguments"
                );
            }
        }
        return $this->call($method, $request);
    }

    // -- lists --------------------------------------------------------------------------

    /**
     * Every item a list method answers, page after page: the response's one list, and
     * while its next_after is not null, the next page with that as after. Methods that do
     * not page (audit.list, sla.queue) give their one list.
     *
     * @param array<string, mixed> $request the filter, and limit as the page size
     * @return \Generator<int, array<string, mixed>>
     */
    public function iterate(string $method, array $request = []): \Generator
    {
        for (;;) {
            $page = $this->call($method, $request);
            foreach ($page[self::listKey($method, $page)] as $item) {
                yield $item;
            }
            $next = $page['next_after'] ?? null;
            if ($next === null) {
                return;
            }
            if (($request['after'] ?? null) === $next) {
                throw new \UnexpectedValueException("$method: next_after $next does not move on");
            }
            $request['after'] = $next;
        }
    }

    /**
     * Every ticket that matches a ticket.list filter (status, customer_id, tag, order...).
     *
     * @param array<string, mixed> $filter
     * @return \Generator<int, array<string, mixed>>
     */
    public function tickets(array $filter = []): \Generator
    {
        return $this->iterate('ticket.list', $filter);
    }

    /**
     * Every customer, in id order (customer.list: organization_id, limit).
     *
     * @param array<string, mixed> $filter
     * @return \Generator<int, array<string, mixed>>
     */
    public function customers(array $filter = []): \Generator
    {
        return $this->iterate('customer.list', $filter);
    }

    /** @param array<string, mixed> $page */
    private static function listKey(string $method, array $page): string
    {
        $lists = array_keys(array_filter($page, fn ($v) => is_array($v) && array_is_list($v)));
        if (count($lists) !== 1) {
            throw new \LogicException("$method does not answer a list to iterate over");
        }
        return (string) $lists[0];
    }

    // -- transactions -------------------------------------------------------------------

    /**
     * Run $work atomically: committed when it returns (its result is returned), rolled
     * back when it throws, and the exception thrown on. Transactions nest.
     *
     * @template T
     * @param callable(Database): T $work
     * @return T
     */
    public function transaction(callable $work): mixed
    {
        return $this->atomically('cs_db_begin', $work);
    }

    /**
     * Run $work in a bulk section (cs_db_begin_bulk), for imports: as transaction(), but
     * the calls in it open no savepoints of their own; a call that fails once it began its
     * changes fails the whole section, which is rolled back. Not inside a transaction.
     *
     * @template T
     * @param callable(Database): T $work
     * @return T
     */
    public function bulk(callable $work): mixed
    {
        return $this->atomically('cs_db_begin_bulk', $work);
    }

    /**
     * Open a section with $begin (cs_db_begin or cs_db_begin_bulk), run $work in it and
     * commit; roll back when anything throws, and throw on.
     *
     * @template T
     * @param callable(Database): T $work
     * @return T
     */
    private function atomically(string $begin, callable $work): mixed
    {
        $this->check($this->ffi->$begin($this->handle()));
        try {
            $result = $work($this);
            $this->check($this->ffi->cs_db_commit($this->handle()));
            return $result;
        } catch (\Throwable $e) {
            // Also after a failed commit: the section must not stay open.
            if ($this->cell !== null) {
                $this->ffi->cs_db_rollback($this->cell[0]);
            }
            throw $e;
        }
    }

    // -- the methods ----------------------------------------------------------------------

    /**
     * The methods of the JSON interface the loaded library has, in its order.
     *
     * @return list<string>
     */
    public static function methodNames(): array
    {
        $ffi = Native::ffi();
        $names = [];
        for ($i = 0; ($name = $ffi->cs_call_method($i)) !== null; $i++) {
            $names[] = $name;
        }
        return $names;
    }

    /** A method's PHP name: "sla.policy.create" is "slaPolicyCreate". */
    public static function camelName(string $method): string
    {
        return lcfirst(str_replace(' ', '', ucwords(str_replace(['.', '_'], ' ', $method))));
    }

    /** The method a camelCase name stands for, or null. */
    public static function methodFor(string $camelName): ?string
    {
        if (self::$byCamelName === null) {
            $map = [];
            foreach (self::methodNames() as $method) {
                $camel = self::camelName($method);
                // Two methods that would share a name keep only call().
                $map[$camel] = isset($map[$camel]) ? '' : $method;
            }
            self::$byCamelName = array_filter($map, fn ($m) => $m !== '');
        }
        return self::$byCamelName[$camelName] ?? null;
    }

    /**
     * What the library says about its methods: the "methods" catalogue call where the
     * library has one (each with name, summary, and request and response JSON Schemas),
     * else each name alone.
     *
     * @return list<array<string, mixed>>
     */
    public function catalogue(): array
    {
        try {
            return $this->call('methods')['methods'];
        } catch (InvalidArgument $e) {
            if ($e->getField() !== 'method') {
                throw $e;
            }
            return array_map(fn ($name) => ['name' => $name], self::methodNames());
        }
    }

    // -- inside -------------------------------------------------------------------------

    private function handle(): CData
    {
        if ($this->cell === null) {
            throw new DatabaseClosed();
        }
        return $this->cell[0];
    }

    private function check(int $status): void
    {
        if ($status < 0) {
            throw $this->lastError();
        }
    }

    /** The last error of a handle function as an exception. */
    private function lastError(): LibcsException
    {
        $e = $this->ffi->cs_error_last();
        return LibcsException::fromCode(
            $this->ffi->cs_status_name($e->code),
            $e->message,
            $e->field,
            $e->code
        );
    }

    /** Text for a C string, where a NUL byte would end it early. */
    private static function cText(string $value, string $field): string
    {
        if (str_contains($value, "\0")) {
            throw new InvalidArgument('EINVAL', "$field has a NUL byte", $field, -4);
        }
        return $value;
    }

    /** @param array<string, mixed> $request */
    private static function encode(array $request): string
    {
        if ($request !== [] && array_is_list($request)) {
            throw new InvalidArgument(
                'EINVAL',
                'a request is an object: an array with field names as keys',
                'request',
                -4
            );
        }
        try {
            return json_encode(
                (object) self::prepare($request),
                JSON_THROW_ON_ERROR | JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES
                | JSON_PRESERVE_ZERO_FRACTION
            );
        } catch (\JsonException $e) {
            throw new InvalidArgument(
                'EINVAL',
                "the request cannot be written as JSON: {$e->getMessage()}",
                'request',
                -4,
                $e
            );
        }
    }

    /** DateTimeInterface values as ISO 8601 times in UTC, everywhere in a request. */
    private static function prepare(mixed $value): mixed
    {
        if ($value instanceof \DateTimeInterface) {
            return \DateTimeImmutable::createFromInterface($value)
                ->setTimezone(new \DateTimeZone('UTC'))
                ->format('Y-m-d\TH:i:s\Z');
        }
        if (is_array($value)) {
            return array_map(self::prepare(...), $value);
        }
        return $value;
    }
}
